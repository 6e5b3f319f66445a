"""moto's own event sources reach the sandbox's runtime: the handler really runs, with the source's event.

S3 and SNS push to a function only when its resource-based policy grants them (AddPermission), as on AWS.
"""

from __future__ import annotations

import json
import logging
import time

import boto3
import pytest

from lambda_course.deploy import deploy_function

RECORDER = """
import json
def handler(event, context):
    record = event["Records"][0]
    source = record.get("eventSource") or record.get("EventSource")
    print("RECEIVED", json.dumps({"source": source, "count": len(event["Records"])}))
    return {"ok": True}
"""


@pytest.fixture(autouse=True)
def default_checks(sb):
    """Each test sees the sandbox's default: triggers need the function policy's grant."""
    sb.set_enforce_resource_policies(None)


def grant(function: str, principal: str, source_arn: str) -> None:
    """The function-policy statement a learner adds so that a service may invoke the function."""
    boto3.client("lambda").add_permission(FunctionName=function, StatementId=principal.split(".")[0],
                                          Action="lambda:InvokeFunction", Principal=principal,
                                          SourceArn=source_arn, SourceAccount="123456789012")


def notifying_bucket(bucket: str, function_arn: str, granted: bool = True) -> None:
    """A bucket that notifies the function of new objects, with (or without) the grant S3 needs to invoke it."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    if granted:
        grant(function_arn.split(":")[-1], "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}]})


@pytest.fixture
def recorder(sb, unique):
    """A function that logs the source of every event it gets; returns (name, arn, read_received)."""
    name = f"recorder-{unique}"
    arn = deploy_function(name, RECORDER)["FunctionArn"]

    def received(expected: int = 1, seconds: float = 10) -> list[dict]:
        logs, deadline, found = boto3.client("logs"), time.time() + seconds, []
        while time.time() < deadline:
            try:
                events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
            except logs.exceptions.ResourceNotFoundException:
                events = []
            found = [json.loads(e["message"].split("RECEIVED ", 1)[1]) for e in events if "RECEIVED " in e["message"]]
            if len(found) >= expected:
                break
            time.sleep(0.1)
        return found

    return name, arn, received


def test_s3_notification(recorder, unique):
    name, arn, received = recorder
    notifying_bucket(f"uploads-{unique}", arn)
    boto3.client("s3").put_object(Bucket=f"uploads-{unique}", Key="hello.txt", Body=b"hi")
    assert received() == [{"source": "aws:s3", "count": 1}]


def test_s3_notification_without_the_grant_does_not_invoke_and_says_why(recorder, unique, caplog):
    name, arn, received = recorder
    notifying_bucket(f"closed-{unique}", arn, granted=False)
    s3 = boto3.client("s3")
    with caplog.at_level(logging.WARNING, logger="localaws.iam.function_policy"):
        s3.put_object(Bucket=f"closed-{unique}", Key="hello.txt", Body=b"hi")
    assert received(seconds=1) == []
    [why] = [r.getMessage() for r in caplog.records if r.name == "localaws.iam.function_policy"]
    assert f"s3.amazonaws.com may not invoke {arn} for arn:aws:s3:::closed-{unique}" in why
    assert "add_permission" in why


def test_sns_without_the_grant_does_not_invoke_and_says_why(recorder, unique, caplog):
    name, arn, received = recorder
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"quiet-{unique}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    with caplog.at_level(logging.WARNING, logger="localaws.iam.function_policy"):
        sns.publish(TopicArn=topic, Message="disk full")
    assert received(seconds=1) == []
    assert any(f"sns.amazonaws.com may not invoke {arn} for {topic}" in r.getMessage() for r in caplog.records)


def test_sqs_event_source_mapping(recorder, unique):
    name, arn, received = recorder
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"jobs-{unique}")
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name, BatchSize=10)
    sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody="job 1")
    assert received() == [{"source": "aws:sqs", "count": 1}]
    # the handler succeeded, so the message was deleted from the queue
    assert "Messages" not in sqs.receive_message(QueueUrl=queue["QueueUrl"], WaitTimeSeconds=0)


def test_sns_subscription(recorder, unique):
    name, arn, received = recorder
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"alerts-{unique}")["TopicArn"]
    grant(name, "sns.amazonaws.com", topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="disk full")
    assert received() == [{"source": "aws:sns", "count": 1}]


def test_dynamodb_stream(recorder, unique):
    name, arn, received = recorder
    ddb = boto3.client("dynamodb")
    table = ddb.create_table(
        TableName=f"orders-{unique}", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream_arn = table["TableDescription"]["LatestStreamArn"]
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name,
                                                       StartingPosition="LATEST")
    ddb.put_item(TableName=f"orders-{unique}", Item={"id": {"S": "o-1"}})
    assert received() == [{"source": "aws:dynamodb", "count": 1}]


def test_kinesis_stream(recorder, unique):
    name, arn, received = recorder
    kinesis = boto3.client("kinesis")
    kinesis.create_stream(StreamName=f"clicks-{unique}", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=f"clicks-{unique}")["StreamDescription"]["StreamARN"]
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name,
                                                       StartingPosition="LATEST")
    kinesis.put_record(StreamName=f"clicks-{unique}", Data=b"click", PartitionKey="user-1")
    assert received() == [{"source": "aws:kinesis", "count": 1}]


FAILING = """
def handler(event, context):
    print("ATTEMPT", context.aws_request_id)
    raise RuntimeError("cannot read this upload")
"""


@pytest.mark.parametrize("source", ["s3", "sns"])
def test_s3_and_sns_invoke_asynchronously_with_retries_and_a_failure_destination(sb, unique, source):
    """The put (or publish) returns before the handler runs; Lambda retries twice, then sends the event on."""
    name = f"failing-{source}-{unique}"
    arn = deploy_function(name, FAILING)["FunctionArn"]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"failed-{source}-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    if source == "s3":
        notifying_bucket(f"inbox-{unique}", arn)
        boto3.client("s3").put_object(Bucket=f"inbox-{unique}", Key="bad.bin", Body=b"\x00")
    else:
        sns = boto3.client("sns")
        topic = sns.create_topic(Name=f"alerts-{unique}")["TopicArn"]
        grant(name, "sns.amazonaws.com", topic)
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
        sns.publish(TopicArn=topic, Message="bad news")

    def attempts() -> int:
        assert sb.wait_idle(10)
        events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return sum("ATTEMPT" in e["message"] for e in events)

    assert attempts() == 1
    sb.clock.advance(60)
    assert attempts() == 2
    sb.clock.advance(120)
    assert attempts() == 3
    [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    event_source = record["requestPayload"]["Records"][0].get("eventSource") or \
        record["requestPayload"]["Records"][0].get("EventSource")
    assert event_source == f"aws:{source}"
