"""The resource-based policy attached to a resource, read from moto's backends (None when it has none).

Covered: S3 bucket policies, SQS queue policies, SNS topic policies, Lambda function policies (AddPermission),
KMS key policies, Secrets Manager resource policies and IAM role trust policies (for sts:AssumeRole).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import lambda_backends
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from .arns import Where


def _s3(arn: str, where: Where) -> Any:
    bucket = arn.split(":::", 1)[1].split("/", 1)[0]
    found = s3_backends[where.account][where.partition].buckets.get(bucket)
    return found.policy if found is not None else None


def _sqs(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    queue = sqs_backends[parts[4]][parts[3]].queues.get(parts[5])
    return queue.policy if queue is not None else None


def _sns(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    topic = sns_backends[parts[4]][parts[3]].topics.get(arn)
    return topic._policy_json if topic is not None else None


def _principal(value: Any) -> Any:
    """moto keeps AddPermission's account or role principal as plain text; IAM shows it as {"AWS": ...}."""
    if isinstance(value, str) and value != "*":
        return {"AWS": f"arn:aws:iam::{value}:root" if value.isdigit() else value}
    return value


def _lambda(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    try:
        fn = lambda_backends[parts[4]][parts[3]].get_function(parts[6])
    except UnknownFunctionException:  # no such function: Lambda answers the request itself with ResourceNotFound
        return None
    statements = [_as_aws_writes({**st, "Principal": _principal(st.get("Principal"))})
                  for st in fn.policy.statements]
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


# AddPermission parameters that moto keeps as statement fields, and the condition AWS writes for each instead.
_PARAMETER_CONDITIONS = {
    "FunctionUrlAuthType": ("StringEquals", "lambda:FunctionUrlAuthType"),
    "InvokedViaFunctionUrl": ("Bool", "lambda:InvokedViaFunctionUrl"),
}


def _as_aws_writes(statement: dict[str, Any]) -> dict[str, Any]:
    """A function-policy statement with moto's plain FunctionUrlAuthType/InvokedViaFunctionUrl fields as conditions."""
    for field, (operator, key) in _PARAMETER_CONDITIONS.items():
        if field in statement:
            raw = statement.pop(field)
            condition = {op: dict(keys) for op, keys in (statement.get("Condition") or {}).items()}
            condition.setdefault(operator, {})[key] = str(raw).lower() if isinstance(raw, bool) else raw
            statement["Condition"] = condition
    return statement


def _kms(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    key = kms_backends[parts[4]][parts[3]].keys.get(parts[5].split("/", 1)[-1])
    return key.policy if key is not None else None


def _secret(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    secret = secretsmanager_backends[parts[4]][parts[3]].secrets.get(arn)
    return getattr(secret, "policy", None) if secret is not None else None


def _role_trust(arn: str, where: Where) -> Any:
    try:
        return iam_backends[arn.split(":")[4]][where.partition].get_role_by_arn(arn).assume_role_policy_document
    except NotFoundException:  # no such role: STS fails the call itself
        return None


_READERS: dict[str, Callable[[str, Where], Any]] = {
    "s3": _s3,
    "sqs": _sqs,
    "sns": _sns,
    "lambda": _lambda,
    "kms": _kms,
    "secretsmanager": _secret,
    "iam": _role_trust,
}


def resource_policy(arn: str, where: Where) -> dict | None:
    """The resource-based policy of the resource an ARN names, as a document, or None."""
    parts = arn.split(":")
    reader = _READERS.get(parts[2]) if len(parts) > 5 else None
    if reader is None or (parts[2] == "iam" and ":role/" not in arn):
        return None
    try:
        document = reader(arn, where)
    except (KeyError, IndexError):
        return None
    if not document:
        return None
    if isinstance(document, bytes):
        document = document.decode()
    return json.loads(document) if isinstance(document, str) else document
