"""The events S3 and SNS invoke a function with carry the real bucket, object, topic, message and subscription."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

import boto3
import pytest

from lambda_course.deploy import deploy_function

ECHO = """
import json
def handler(event, context):
    print("EVENT", json.dumps(event))
"""
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def default_checks(sb):
    """Each test sees the sandbox's default: triggers need the function policy's grant."""
    sb.set_enforce_resource_policies(None)


@pytest.fixture
def echo(sb, unique):
    """A function that logs each event it gets; returns (name, arn, events_received)."""
    name = f"echo-{unique}"
    arn = deploy_function(name, ECHO)["FunctionArn"]

    def received() -> list[dict]:
        assert sb.wait_idle(10)
        events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [json.loads(e["message"].split("EVENT ", 1)[1]) for e in events if "EVENT " in e["message"]]

    return name, arn, received


def _grant(name: str, principal: str, source_arn: str) -> None:
    boto3.client("lambda").add_permission(FunctionName=name, StatementId="trigger", Action="lambda:InvokeFunction",
                                          Principal=principal, SourceArn=source_arn, SourceAccount=ACCOUNT)


def _seconds_ago(timestamp: str) -> float:
    assert ISO_MILLIS.match(timestamp), timestamp
    return (datetime.now(UTC) - datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%f%z")).total_seconds()


def _subscribed_topic(name: str, arn: str, unique: str) -> tuple[str, str]:
    """A topic the function is subscribed to, with the grant SNS needs: (topic ARN, subscription ARN)."""
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"events-{unique}")["TopicArn"]
    _grant(name, "sns.amazonaws.com", topic)
    return topic, sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)["SubscriptionArn"]


def test_sns_event_is_built_from_the_publish(echo, unique):
    """Field by field as the Developer Guide's example SNS event, with the real topic, message and subscription.

    https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
    """
    name, arn, received = echo
    topic, subscription = _subscribed_topic(name, arn, unique)
    published = boto3.client("sns").publish(
        TopicArn=topic, Message="Hello from SNS!", Subject="TestInvoke",
        MessageAttributes={"Test": {"DataType": "String", "StringValue": "TestString"},
                           "Count": {"DataType": "Number", "StringValue": "3"},
                           "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"}})
    [event] = received()
    [record] = event["Records"]
    assert set(record) == {"EventVersion", "EventSubscriptionArn", "EventSource", "Sns"}
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == subscription
    assert subscription.startswith(f"{topic}:")
    sns = record["Sns"]
    assert set(sns) == {"SignatureVersion", "Timestamp", "Signature", "SigningCertUrl", "MessageId", "Message",
                        "MessageAttributes", "Type", "UnsubscribeUrl", "TopicArn", "Subject"}
    assert sns["Type"] == "Notification"
    assert sns["MessageId"] == published["MessageId"]
    assert sns["TopicArn"] == topic and sns["Subject"] == "TestInvoke" and sns["Message"] == "Hello from SNS!"
    assert 0 <= _seconds_ago(sns["Timestamp"]) < 30
    assert sns["SignatureVersion"] in ("1", "2") and base64.b64decode(sns["Signature"])
    assert re.match(r"^https://sns\.us-east-1\.amazonaws\.com/SimpleNotificationService-\w+\.pem$",
                    sns["SigningCertUrl"])
    assert sns["UnsubscribeUrl"] == ("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
                                     + subscription)
    assert sns["MessageAttributes"] == {
        "Test": {"Type": "String", "Value": "TestString"},
        "Count": {"Type": "Number", "Value": "3"},
        "TestBinary": {"Type": "Binary", "Value": base64.b64encode(b"TestBinary").decode()}}


def test_sns_event_without_subject_or_attributes(echo, unique):
    """With no Subject the event's Subject is null, and with no attributes MessageAttributes is empty.

    https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
    """
    name, arn, received = echo
    topic, _subscription = _subscribed_topic(name, arn, unique)
    sns = boto3.client("sns")
    ids = [sns.publish(TopicArn=topic, Message=f"message {n}")["MessageId"] for n in range(2)]
    events = received()
    assert sorted(e["Records"][0]["Sns"]["MessageId"] for e in events) == sorted(ids) and len(set(ids)) == 2
    for event in events:
        assert event["Records"][0]["Sns"]["Subject"] is None
        assert event["Records"][0]["Sns"]["MessageAttributes"] == {}


def _notifying_bucket(name: str, arn: str, bucket: str, versioned: bool = False) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    _grant(name, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"Id": "uploads", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})


def test_s3_event_is_built_from_the_upload(echo, unique):
    """Field by field as S3's event message structure, with the real bucket, object and request.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
    """
    name, arn, received = echo
    bucket = f"uploads-{unique}"
    _notifying_bucket(name, arn, bucket)
    put = boto3.client("s3").put_object(Bucket=bucket, Key="photos/happy face.jpg", Body=b"x" * 1024)
    [event] = received()
    [record] = event["Records"]
    assert set(record) == {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                           "requestParameters", "responseElements", "s3"}
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1" and record["eventName"] == "ObjectCreated:Put"
    assert 0 <= _seconds_ago(record["eventTime"]) < 30
    assert isinstance(record["userIdentity"]["principalId"], str) and record["userIdentity"]["principalId"]
    assert re.match(r"^\d{1,3}(\.\d{1,3}){3}$", record["requestParameters"]["sourceIPAddress"])
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    assert re.match(r"^[0-9A-F]{16}$", record["responseElements"]["x-amz-request-id"])
    s3 = record["s3"]
    assert s3["s3SchemaVersion"] == "1.0" and s3["configurationId"] == "uploads"
    assert s3["bucket"]["name"] == bucket and s3["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert s3["bucket"]["ownerIdentity"]["principalId"]
    obj = s3["object"]
    assert set(obj) == {"key", "size", "eTag", "sequencer"}  # no versionId: the bucket is not versioned
    assert obj["key"] == "photos/happy+face.jpg"  # URL-encoded, as S3 sends keys
    assert obj["size"] == 1024 and obj["eTag"] == put["ETag"].strip('"')
    assert re.match(r"^[0-9A-F]+$", obj["sequencer"])


def test_s3_sequencer_orders_events_and_names_the_version(echo, unique):
    """A later event of a key has a greater sequencer; a versioned bucket's event names the object's version.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    """
    name, arn, received = echo
    bucket = f"versions-{unique}"
    _notifying_bucket(name, arn, bucket, versioned=True)
    s3 = boto3.client("s3")
    versions = [s3.put_object(Bucket=bucket, Key="report.csv", Body=body)["VersionId"] for body in (b"a", b"bb")]
    objects = sorted((e["Records"][0]["s3"]["object"] for e in received()), key=lambda o: o["size"])
    assert [o["versionId"] for o in objects] == versions
    first, second = (o["sequencer"] for o in objects)
    assert len(first) == len(second) and int(first, 16) < int(second, 16)
