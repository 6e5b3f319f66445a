"""What one request must be allowed to do: a list of (IAM action, resource ARNs) pairs, checked in order.

Most operations need one action on the resources their parameters name (`operations.py`, `arns.py`). A few need
more, as AWS authorises them: TransactWriteItems needs PutItem, UpdateItem, DeleteItem or ConditionCheckItem on
each item's table; PartiQL statements need PartiQLSelect/Insert/Update/Delete by statement kind; CopyObject needs
GetObject on the source as well as PutObject on the copy; KMS ReEncrypt needs ReEncryptFrom on the source key and
ReEncryptTo on the destination; S3 requests naming a VersionId need the version actions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from . import operations
from .arns import Where, resource_arns, table_arn

Check = tuple[str, list[str]]

TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                         "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
PARTIQL_ACTIONS = {"SELECT": "PartiQLSelect", "EXISTS": "PartiQLSelect", "INSERT": "PartiQLInsert",
                   "UPDATE": "PartiQLUpdate", "DELETE": "PartiQLDelete"}
_NAME = r'"(?:[^"]|"")+"|[A-Za-z0-9_\-]+'
_PARTIQL_TABLE = re.compile(rf"\b(?:FROM|INTO|UPDATE)\s+({_NAME})(?:\s*\.\s*({_NAME}))?", re.IGNORECASE)


def _unique(checks: list[Check]) -> list[Check]:
    """The same action on the same resources once, first occurrence first."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    kept = []
    for action, resources in checks:
        key = (action, tuple(resources))
        if key not in seen:
            seen.add(key)
            kept.append((action, resources))
    return kept


def _object(bucket: str, key: str, where: Where) -> str:
    return f"arn:{where.partition}:s3:::{bucket}/{key}"


def _s3_copy(params: dict, where: Where) -> list[Check] | None:
    source = unquote(str(params.get("CopySource") or "")).lstrip("/")
    if "/" not in source or not params.get("Bucket") or not params.get("Key"):
        return None
    path, _, query = source.partition("?versionId=")
    bucket, _, key = path.partition("/")
    read = "s3:GetObjectVersion" if query else "s3:GetObject"
    return [("s3:PutObject", [_object(params["Bucket"], params["Key"], where)]),
            (read, [path if path.startswith("arn:") else _object(bucket, key, where)])]


def _s3_delete_objects(params: dict, where: Where) -> list[Check] | None:
    objects = (params.get("Delete") or {}).get("Objects") or []
    if not objects or not params.get("Bucket"):
        return None
    return _unique([("s3:DeleteObjectVersion" if item.get("VersionId") else "s3:DeleteObject",
                     [_object(params["Bucket"], item.get("Key", ""), where)]) for item in objects])


def _transact_items(params: dict, where: Where) -> list[Check] | None:
    checks = []
    for item in params.get("TransactItems") or []:
        for kind, body in item.items():
            if kind in TRANSACT_ITEM_ACTIONS and isinstance(body, dict) and body.get("TableName"):
                checks.append((f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}", [table_arn(body["TableName"], where)]))
    return _unique(checks) or None


def _unquoted(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def partiql_check(statement: str, where: Where) -> Check:
    """The action and table (or index) ARN one PartiQL statement is authorised as."""
    words = statement.strip().split(None, 1)
    kind = words[0].split("(", 1)[0].upper() if words else ""
    action = f"dynamodb:{PARTIQL_ACTIONS.get(kind, 'PartiQLSelect')}"
    match = _PARTIQL_TABLE.search(statement)
    if match is None:
        return action, ["*"]
    table = table_arn(_unquoted(match.group(1)), where)
    return action, [f"{table}/index/{_unquoted(match.group(2))}" if match.group(2) else table]


def _partiql(params: dict, where: Where) -> list[Check] | None:
    if params.get("Statement"):
        statements = [params["Statement"]]
    else:
        entries = params.get("Statements") or params.get("TransactStatements") or []
        statements = [entry.get("Statement", "") for entry in entries]
    return _unique([partiql_check(text, where) for text in statements if text]) or None


def _kms_reencrypt(params: dict, where: Where) -> list[Check] | None:
    if params.get("SourceKeyId"):
        source = resource_arns("kms_key", params["SourceKeyId"], params, where)
    else:
        source = resource_arns("kms_ciphertext", params.get("CiphertextBlob", b""), params, where)
    checks = [("kms:ReEncryptFrom", source)]
    if params.get("DestinationKeyId"):
        checks.append(("kms:ReEncryptTo", resource_arns("kms_key", params["DestinationKeyId"], params, where)))
    return checks


_SPECIAL: dict[tuple[str, str], Callable[[dict, Where], list[Check] | None]] = {
    ("s3", "CopyObject"): _s3_copy,
    ("s3", "UploadPartCopy"): _s3_copy,
    ("s3", "DeleteObjects"): _s3_delete_objects,
    ("dynamodb", "TransactWriteItems"): _transact_items,
    ("dynamodb", "TransactGetItems"): _transact_items,
    ("dynamodb", "ExecuteStatement"): _partiql,
    ("dynamodb", "BatchExecuteStatement"): _partiql,
    ("dynamodb", "ExecuteTransaction"): _partiql,
    ("kms", "ReEncrypt"): _kms_reencrypt,
}


def _action(service: str, operation: str, params: dict[str, Any]) -> str:
    if service == "s3" and params.get("VersionId") and operation in operations.VERSIONED:
        return f"s3:{operations.VERSIONED[operation]}"
    return operations.action_name(service, operation)


def required(service: str, operation: str, params: dict[str, Any], where: Where) -> list[Check]:
    """Every (action, resource ARNs) pair the request needs, in the order AWS would report a denial."""
    special = _SPECIAL.get((service, operation))
    found = special(params, where) if special is not None else None
    if found:
        return found
    kind, value = operations.resource_kind(service, operation, params)
    return [(_action(service, operation, params), resource_arns(kind, value, params, where))]
