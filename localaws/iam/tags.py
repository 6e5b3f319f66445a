"""Tags as condition keys, for attribute-based access control: aws:PrincipalTag/* and aws:ResourceTag/*.

A role session carries its role's tags as aws:PrincipalTag/<key>. A request on a tagged resource carries that
resource's tags as aws:ResourceTag/<key>, read here from moto's backends for the services that keep them
(DynamoDB tables, SQS queues, SNS topics, Lambda functions, Secrets Manager secrets, KMS keys, EventBridge buses
and rules, log groups, S3 buckets). A resource that cannot be read simply has no tags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import lambda_backends
from moto.dynamodb.models import dynamodb_backends
from moto.events.exceptions import ResourceNotFoundException
from moto.events.models import events_backends
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from .arns import Where
from .identity import RoleSession


def _as_dict(tags: Any) -> dict[str, str]:
    """moto keeps tags as a dict or as a list of {"Key": ..., "Value": ...} (or TagKey/TagValue)."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    found: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key", tag.get("TagKey"))
        if key is not None:
            found[str(key)] = str(tag.get("Value", tag.get("TagValue", "")))
    return found


def principal_tags(session: RoleSession) -> dict[str, str]:
    """aws:PrincipalTag/<key> for each tag on the session's role."""
    try:
        role = iam_backends[session.account][session.partition].get_role(session.role_name)
    except NotFoundException:  # the role is gone: the request fails elsewhere, with no tags to offer
        return {}
    return {f"aws:PrincipalTag/{key}": value for key, value in _as_dict(role.tags).items()}


def _parts(arn: str) -> list[str]:
    return arn.split(":", 5)


def _regional(backends: Any, parts: list[str]) -> Any:
    """moto's backend for the ARN's account and region, or None for a region moto does not know."""
    regions = backends[parts[4]]
    return regions[parts[3]] if parts[3] in regions else None


# Each reader answers the resource's tags, or None when there is no such resource (AWS then answers NotFound
# itself). Anything else that goes wrong while reading propagates: missing tags could let a request through.
def _dynamodb(arn: str, where: Where) -> Any:
    parts = _parts(arn)
    backend = _regional(dynamodb_backends, parts)
    table = backend.tables.get(parts[5].partition("/")[2].split("/")[0]) if backend is not None else None
    return table.tags if table is not None else None


def _sqs(arn: str, where: Where) -> Any:
    parts = _parts(arn)
    backend = _regional(sqs_backends, parts)
    queue = backend.queues.get(parts[5]) if backend is not None else None
    return queue.tags if queue is not None else None


def _sns(arn: str, where: Where) -> Any:
    backend = _regional(sns_backends, _parts(arn))
    topic = backend.topics.get(arn) if backend is not None else None
    return topic._tags if topic is not None else None


def _lambda(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    backend = _regional(lambda_backends, parts)
    if backend is None or len(parts) < 7 or parts[5] != "function":  # layers and mappings: no function's tags
        return None
    try:
        return backend.get_function(parts[6]).tags
    except UnknownFunctionException:  # no such function
        return None


def _secret(arn: str, where: Where) -> Any:
    backend = _regional(secretsmanager_backends, _parts(arn))
    secret = backend.secrets.get(arn) if backend is not None else None
    return secret.tags if secret is not None else None


def _kms(arn: str, where: Where) -> Any:
    parts = _parts(arn)
    backend = _regional(kms_backends, parts)
    key_id = parts[5].partition("/")[2]
    if backend is None or key_id not in backend.keys:  # no such key (an alias ARN names no key's tags either)
        return None
    return backend.tagger.list_tags_for_resource(key_id)["Tags"]


def _events(arn: str, where: Where) -> Any:
    backend = _regional(events_backends, _parts(arn))
    if backend is None:
        return None
    try:
        return backend.list_tags_for_resource(arn)["Tags"]
    except ResourceNotFoundException:  # no such bus or rule
        return None


def _logs(arn: str, where: Where) -> Any:
    parts = arn.split(":")
    backend = _regional(logs_backends, parts)
    group = backend.groups.get(parts[6]) if backend is not None and len(parts) > 6 else None
    return backend.list_tags_for_resource(group.arn) if group is not None else None  # moto keeps them by ARN


def _s3(arn: str, where: Where) -> Any:
    bucket_name = arn.split(":::", 1)[1]
    if "/" in bucket_name:  # objects answer to s3:ExistingObjectTag, not aws:ResourceTag
        return {}
    backend = s3_backends[where.account][where.partition]  # S3 ARNs name no account: the caller's is meant
    bucket = backend.buckets.get(bucket_name)
    return backend.tagger.get_tag_dict_for_resource(bucket.arn) if bucket is not None else None


_READERS: dict[str, Callable[[str, Where], Any]] = {
    "dynamodb": _dynamodb, "sqs": _sqs, "sns": _sns, "lambda": _lambda, "secretsmanager": _secret, "kms": _kms,
    "events": _events, "logs": _logs, "s3": _s3,
}


def resource_tags(arn: str, where: Where) -> dict[str, str]:
    """aws:ResourceTag/<key> for each tag on the resource an ARN names (none if it has none or is unknown)."""
    parts = _parts(arn)
    reader = _READERS.get(parts[2]) if len(parts) == 6 else None
    if reader is None:
        return {}
    tags = reader(arn, where)  # None: no such resource (AWS answers NotFound itself)
    return {f"aws:ResourceTag/{key}": value for key, value in _as_dict(tags).items()}

