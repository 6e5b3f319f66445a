"""Tags as condition keys, for attribute-based access control: aws:PrincipalTag/* and aws:ResourceTag/*.

A role session carries its role's tags as aws:PrincipalTag/<key>. A request on a tagged resource carries that
resource's tags as aws:ResourceTag/<key>, read here from moto's backends for the services that keep them
(DynamoDB tables, SQS queues, SNS topics, Lambda functions, Secrets Manager secrets, KMS keys, EventBridge buses
and rules, log groups, S3 buckets). A resource that cannot be read simply has no tags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[session.account][session.partition].get_role(session.role_name)
    except Exception:  # the role is gone: the request fails elsewhere, with no tags to offer
        return {}
    return {f"aws:PrincipalTag/{key}": value for key, value in _as_dict(role.tags).items()}


def _parts(arn: str) -> list[str]:
    return arn.split(":", 5)


def _dynamodb(arn: str, where: Where) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    parts = _parts(arn)
    table = parts[5].split("/")[1]
    return dynamodb_backends[parts[4]][parts[3]].tables[table].tags


def _sqs(arn: str, where: Where) -> Any:
    from moto.sqs.models import sqs_backends

    parts = _parts(arn)
    return sqs_backends[parts[4]][parts[3]].queues[parts[5]].tags


def _sns(arn: str, where: Where) -> Any:
    from moto.sns.models import sns_backends

    parts = _parts(arn)
    return sns_backends[parts[4]][parts[3]].topics[arn]._tags


def _lambda(arn: str, where: Where) -> Any:
    from moto.awslambda.models import lambda_backends

    parts = arn.split(":")
    return lambda_backends[parts[4]][parts[3]].get_function(parts[6]).tags


def _secret(arn: str, where: Where) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    parts = _parts(arn)
    return secretsmanager_backends[parts[4]][parts[3]].secrets[arn].tags


def _kms(arn: str, where: Where) -> Any:
    from moto.kms.models import kms_backends

    parts = _parts(arn)
    backend = kms_backends[parts[4]][parts[3]]
    return backend.tagger.list_tags_for_resource(parts[5].split("/", 1)[1])["Tags"]


def _events(arn: str, where: Where) -> Any:
    from moto.events.models import events_backends

    parts = _parts(arn)
    return events_backends[parts[4]][parts[3]].list_tags_for_resource(arn)["Tags"]


def _logs(arn: str, where: Where) -> Any:
    from moto.logs.models import logs_backends

    parts = arn.split(":")
    return logs_backends[parts[4]][parts[3]].groups[parts[6]].tags


def _s3(arn: str, where: Where) -> Any:
    from moto.s3.models import s3_backends

    bucket_name = arn.split(":::", 1)[1]
    if "/" in bucket_name:  # objects answer to s3:ExistingObjectTag, not aws:ResourceTag
        return {}
    backend = s3_backends[where.account][where.partition]  # S3 ARNs name no account: the caller's is meant
    return backend.tagger.get_tag_dict_for_resource(backend.buckets[bucket_name].arn)


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
    try:
        tags = reader(arn, where)
    except Exception:  # no such resource (AWS answers NotFound itself) or one moto keeps no tags for
        return {}
    return {f"aws:ResourceTag/{key}": value for key, value in _as_dict(tags).items()}

