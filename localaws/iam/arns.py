"""Resource ARNs built from request parameters, one builder per resource kind named in `operations.py`."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.kms.utils import _deserialize_ciphertext_blob
from moto.secretsmanager.models import secretsmanager_backends


@dataclass(frozen=True)
class Where:
    """The partition, region and account a request is made in, and its operation."""

    partition: str
    region: str
    account: str
    operation: str = ""

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        """An ARN of this partition, region and account."""
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account if account else ''}:{resource}")


def _s3_bucket(value: str, params: dict, where: Where) -> list[str]:
    return [f"arn:{where.partition}:s3:::{value}"]


def _s3_object(value: str, params: dict, where: Where) -> list[str]:
    return [f"arn:{where.partition}:s3:::{params.get('Bucket', '*')}/{value}"]


def table_arn(name: str, where: Where) -> str:
    """A DynamoDB table's ARN from its name (or its ARN, returned as given)."""
    return name if name.startswith("arn:") else where.arn("dynamodb", f"table/{name}")


def _dynamodb_table(value: str, params: dict, where: Where) -> list[str]:
    return [table_arn(value, where)]


def _dynamodb_tables(value: dict, params: dict, where: Where) -> list[str]:
    return [table_arn(name, where) for name in value]


def _dynamodb_transact_tables(value: list, params: dict, where: Where) -> list[str]:
    names = [part["TableName"] for item in value for part in item.values() if isinstance(part, dict)
             and "TableName" in part]
    return sorted({table_arn(name, where) for name in names})


def _sqs_queue_url(value: str, params: dict, where: Where) -> list[str]:
    account, name = urlparse(value).path.strip("/").split("/")[-2:]
    return [f"arn:{where.partition}:sqs:{where.region}:{account}:{name}"]


def _sqs_queue_name(value: str, params: dict, where: Where) -> list[str]:
    account = params.get("QueueOwnerAWSAccountId") or where.account
    return [f"arn:{where.partition}:sqs:{where.region}:{account}:{value}"]


def _sns_topic_name(value: str, params: dict, where: Where) -> list[str]:
    return [where.arn("sns", value)]


def function_arn(value: str, qualifier: str | None, where: Where) -> str:
    """A Lambda function's ARN from any name form Lambda accepts: name, name:qualifier, partial or full ARN."""
    value = unquote(value)
    account = where.account
    if value.startswith("arn:"):
        parts = value.split(":")
        account, name, qualifier = parts[4], parts[6], (parts[7] if len(parts) > 7 else qualifier)
    elif ":function:" in value:
        account, _, rest = value.split(":", 2)
        name, _, own = rest.partition(":")
        qualifier = own or qualifier
    else:
        name, _, own = value.partition(":")
        qualifier = own or qualifier
    suffix = f":{qualifier}" if qualifier and qualifier != "$LATEST" else ""
    return f"arn:{where.partition}:lambda:{where.region}:{account}:function:{name}{suffix}"


def _lambda_function(value: str, params: dict, where: Where) -> list[str]:
    return [function_arn(value, params.get("Qualifier"), where)]


def _lambda_layer(value: str, params: dict, where: Where) -> list[str]:
    if value.startswith("arn:"):
        return [value]
    version = params.get("VersionNumber")
    return [where.arn("lambda", f"layer:{value}" + (f":{version}" if version is not None else ""))]


def _secret(value: str, params: dict, where: Where) -> list[str]:
    secret = secretsmanager_backends[where.account][where.region].secrets.get(value)
    if secret is not None:
        return [secret.arn]
    return [value if value.startswith("arn:") else where.arn("secretsmanager", f"secret:{value}")]


def kms_key_id(backend: Any, value: str) -> str | None:
    """The raw key ID a key ID, key ARN, alias name or alias ARN names in moto's KMS backend; None for an alias
    that names no key (moto's own any_id_to_key_id fails with AttributeError there)."""
    key_id = backend.get_key_id(backend.get_alias_name(value))
    if not key_id.startswith("alias/"):
        return key_id
    target = backend.get_key_id_from_alias(key_id)
    return backend.get_key_id(target) if target is not None else None


def _kms_key(value: str, params: dict, where: Where) -> list[str]:
    regions = kms_backends[where.account]
    key_id = kms_key_id(regions[where.region], value) if where.region in regions else None
    if key_id is None:  # an alias that names no key: authorise on what was given, as AWS reports it
        key_id = value
    if key_id.startswith("arn:"):
        return [key_id]
    if key_id.startswith("alias/"):
        return [where.arn("kms", key_id)]
    return [where.arn("kms", f"key/{key_id}")]


def _kms_ciphertext(value: Any, params: dict, where: Where) -> list[str]:
    if not isinstance(value, bytes | bytearray | memoryview):  # no blob at all: KMS fails the call itself
        return ["*"]
    try:
        key_id = _deserialize_ciphertext_blob(bytes(value)).key_id
    except (struct.error, UnicodeDecodeError):  # not a ciphertext this sandbox made: KMS fails the call anyway
        return ["*"]
    return [where.arn("kms", f"key/{key_id}")]


def _bus(name: str, where: Where) -> str:
    return name if name.startswith("arn:") else where.arn("events", f"event-bus/{name}")


def _event_buses(value: list, params: dict, where: Where) -> list[str]:
    return sorted({_bus(entry.get("EventBusName") or "default", where) for entry in value})


def _event_bus(value: str, params: dict, where: Where) -> list[str]:
    return [_bus(value, where)]


def _rule(name: str, params: dict, where: Where) -> str:
    bus = params.get("EventBusName") or "default"
    bus = bus.rsplit("/", 1)[-1]
    return where.arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}")


def _events_rule(value: str, params: dict, where: Where) -> list[str]:
    return [_rule(value, params, where)]


def _events_named(value: str, params: dict, where: Where) -> list[str]:
    if "EventBus" in where.operation:
        return [_bus(value, where)]
    return [_rule(value, params, where)]


def _log_group(value: str, params: dict, where: Where) -> list[str]:
    return [where.arn("logs", f"log-group:{value}:log-stream:")]


def _log_stream(value: str, params: dict, where: Where) -> list[str]:
    return [where.arn("logs", f"log-group:{params.get('logGroupName', '*')}:log-stream:{value}")]


def _iam_role(value: str, params: dict, where: Where) -> list[str]:
    try:
        return [iam_backends[where.account][where.partition].get_role(value).arn]
    except NotFoundException:  # no such role: authorise on the path-less ARN
        return [f"arn:{where.partition}:iam::{where.account}:role/{value}"]


def _iam_user(value: str, params: dict, where: Where) -> list[str]:
    return [f"arn:{where.partition}:iam::{where.account}:user/{value}"]


def _given_arn(value: Any, params: dict, where: Where) -> list[str]:
    return [str(value)]


def _unscoped(value: Any, params: dict, where: Where) -> list[str]:
    return ["*"]


BUILDERS: dict[str, Callable[[Any, dict, Where], list[str]]] = {
    "none": _unscoped,
    "arn": _given_arn,
    "s3_bucket": _s3_bucket,
    "s3_object": _s3_object,
    "dynamodb_table": _dynamodb_table,
    "dynamodb_tables": _dynamodb_tables,
    "dynamodb_transact_tables": _dynamodb_transact_tables,
    "sqs_queue_url": _sqs_queue_url,
    "sqs_queue_name": _sqs_queue_name,
    "sns_topic_name": _sns_topic_name,
    "lambda_function": _lambda_function,
    "lambda_layer": _lambda_layer,
    "secret": _secret,
    "kms_key": _kms_key,
    "kms_ciphertext": _kms_ciphertext,
    "event_buses": _event_buses,
    "event_bus": _event_bus,
    "events_rule": _events_rule,
    "events_named": _events_named,
    "log_group": _log_group,
    "log_stream": _log_stream,
    "iam_role": _iam_role,
    "iam_user": _iam_user,
}


def resource_arns(kind: str, value: Any, params: dict, where: Where) -> list[str]:
    """The ARNs of the resources a request acts on (several for batch operations)."""
    return BUILDERS[kind](value, params, where)
