"""The one table that turns an API operation into the IAM action and resource AWS authorises it as.

An operation's IAM action is `<prefix>:<Operation>` unless `actions` renames it (S3's ListObjectsV2 is
s3:ListBucket, Lambda's Invoke is lambda:InvokeFunction). Its resource comes from the first request parameter in
`resources` that the request carries, built by the ARN builder of that kind in `arns.py`; an operation listed in
`unscoped`, or one with no such parameter, is authorised on "*", as AWS does for list operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceRules:
    """How one service's operations map to IAM actions and resource kinds."""

    actions: dict[str, str] = field(default_factory=dict)
    resources: tuple[tuple[str, str], ...] = ()
    unscoped: frozenset[str] = frozenset()
    context: dict[str, str] = field(default_factory=dict)  # condition key -> request parameter


SERVICES: dict[str, ServiceRules] = {
    "s3": ServiceRules(
        actions={
            "ListObjectsV2": "ListBucket",
            "ListObjects": "ListBucket",
            "HeadBucket": "ListBucket",
            "HeadObject": "GetObject",
            "ListBuckets": "ListAllMyBuckets",
            "ListObjectVersions": "ListBucketVersions",
            "CopyObject": "PutObject",
            "DeleteObjects": "DeleteObject",
            "CreateMultipartUpload": "PutObject",
            "UploadPart": "PutObject",
            "CompleteMultipartUpload": "PutObject",
            "ListMultipartUploads": "ListBucketMultipartUploads",
            "ListParts": "ListMultipartUploadParts",
            "GetBucketNotificationConfiguration": "GetBucketNotification",
            "PutBucketNotificationConfiguration": "PutBucketNotification",
            "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
            "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
            "GetBucketCors": "GetBucketCORS",
            "PutBucketCors": "PutBucketCORS",
        },
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
        actions={"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction", "InvokeWithResponseStream":
                 "InvokeFunction", "GetFunctionConfiguration": "GetFunctionConfiguration"},
        resources=(("FunctionName", "lambda_function"), ("Resource", "arn")),
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


def action_name(service: str, operation: str) -> str:
    """The IAM action an operation is authorised as."""
    return f"{service}:{rules(service).actions.get(operation, operation)}"


def resource_kind(service: str, operation: str, params: dict) -> tuple[str, object]:
    """The kind of resource the request acts on and the parameter value that names it ("none" for "*")."""
    service_rules = rules(service)
    if operation in service_rules.unscoped:
        return "none", None
    for name, kind in service_rules.resources:
        if params.get(name) not in (None, "", [], {}):
            return kind, params[name]
    return "none", None
