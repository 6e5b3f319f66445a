"""EventBridge delivers matching events to Lambda (asynchronously), SNS and SQS targets, with target input rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from eventbridge_support import allow_rule, recording_function


@pytest.fixture
def rule(sb, unique):
    """A function that remembers what it gets, and a rule on the default bus for source 'shop'."""
    bucket = f"events-{unique}"
    arn = recording_function(bucket)
    s3 = boto3.client("s3")
    events = boto3.client("events")
    rule_arn = events.put_rule(Name=f"orders-{unique}", EventPattern=json.dumps(
        {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}))["RuleArn"]
    allow_rule(arn, rule_arn)  # as on AWS: the function's policy must let this rule invoke it

    def put(total: float) -> None:
        events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced",
                                    "Detail": json.dumps({"total": total, "id": "o-1"})}])

    def seen() -> list:
        assert sb.wait_idle(timeout=10)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]

    return f"orders-{unique}", arn, put, seen


def test_matching_event_invokes_lambda_target(rule):
    rule_name, arn, put, seen = rule
    boto3.client("events").put_targets(Rule=rule_name, Targets=[{"Id": "fn", "Arn": arn}])
    put(250)
    put(20)  # does not match the numeric filter
    received = seen()
    assert len(received) == 1
    event = received[0]
    assert event["source"] == "shop" and event["detail-type"] == "OrderPlaced"
    assert event["detail"] == {"total": 250, "id": "o-1"}
    assert isinstance(event["time"], str) and event["time"].endswith("Z")


def test_constant_input_and_input_path(rule):
    rule_name, arn, put, seen = rule
    boto3.client("events").put_targets(Rule=rule_name, Targets=[
        {"Id": "constant", "Arn": arn, "Input": json.dumps({"fixed": True})},
        {"Id": "path", "Arn": arn, "InputPath": "$.detail"},
    ])
    put(500)
    received = seen()
    assert {"fixed": True} in received
    assert {"total": 500, "id": "o-1"} in received


def test_input_transformer(rule):
    rule_name, arn, put, seen = rule
    boto3.client("events").put_targets(Rule=rule_name, Targets=[{
        "Id": "t", "Arn": arn,
        "InputTransformer": {"InputPathsMap": {"order": "$.detail.id"},
                             "InputTemplate": '{"message": "order <order> placed"}'}}])
    put(101)
    assert seen() == [{"message": "order o-1 placed"}]


def test_sns_target_fans_out(rule, unique):
    rule_name, _arn, put, _seen = rule
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name=f"orders-{unique}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"orders-copy-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    boto3.client("events").put_targets(Rule=rule_name, Targets=[{"Id": "topic", "Arn": topic}])
    put(999)
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1
    assert json.loads(json.loads(messages[0]["Body"])["Message"])["detail"]["total"] == 999


def test_lambda_target_without_permission_is_not_invoked(sb, unique):
    name = f"no-grant-{unique}"
    arn = recording_function(name)
    s3 = boto3.client("s3")
    events = boto3.client("events")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": arn}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": "{}"}])
    assert sb.wait_idle(10)
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    other = events.put_rule(Name=f"{name}-other", EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
    allow_rule(arn, other)  # a grant for another rule does not cover this one
    events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": "{}"}])
    assert sb.wait_idle(10)
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0


WHEN = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
DETAIL = {"total": 250, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]}


@pytest.fixture
def queue_rule(sb, unique):
    """A rule for source 'shop' and a queue; `deliver(target)` puts one event and returns the body received."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName=f"orders-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = f"to-queue-{unique}"
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["shop"]}))

    def deliver(**settings) -> tuple[str, str]:
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn, **settings}])
        put = events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Time": WHEN,
                                          "Detail": json.dumps(DETAIL)}])
        assert put["FailedEntryCount"] == 0
        [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return message["Body"], put["Entries"][0]["EventId"]

    return deliver


def _aws_event(event_id: str) -> dict:
    """The event as EventBridge delivers it: these fields, in this order, time as ISO 8601 text."""
    return {"version": "0", "id": event_id, "detail-type": "OrderPlaced", "source": "shop",
            "account": "123456789012", "time": "2026-03-01T12:30:05Z", "region": "us-east-1", "resources": [],
            "detail": DETAIL}


def test_sqs_target_receives_the_whole_event(queue_rule):
    body, event_id = queue_rule()
    assert body == json.dumps(_aws_event(event_id), separators=(",", ":"))


def test_sqs_target_with_input_path_dollar(queue_rule):
    body, event_id = queue_rule(InputPath="$")
    assert json.loads(body) == _aws_event(event_id)


def test_sqs_target_with_input_path_detail(queue_rule):
    body, _ = queue_rule(InputPath="$.detail")
    assert json.loads(body) == DETAIL


def test_sqs_target_with_input_path_array_index(queue_rule):
    body, _ = queue_rule(InputPath="$.detail.items[1]")
    assert json.loads(body) == {"sku": "B-7", "qty": 1}


def test_sqs_target_with_constant_input_containing_time(queue_rule):
    constant = '{"time": "tomorrow", "kind": "reminder"}'
    body, _ = queue_rule(Input=constant)  # moto itself answered PutEvents with a 500 here
    assert json.loads(body) == {"time": "tomorrow", "kind": "reminder"}


def test_sqs_target_with_transformer_using_time(queue_rule):
    body, event_id = queue_rule(InputTransformer={
        "InputPathsMap": {"time": "$.time", "id": "$.id", "first": "$.detail.items[0].sku", "detail": "$.detail"},
        "InputTemplate": '{"at": "<time>", "event": "<id>", "first": "<first>", "order": <detail>}'})
    assert json.loads(body) == {"at": "2026-03-01T12:30:05Z", "event": event_id, "first": "A-1", "order": DETAIL}


def test_sqs_target_with_text_template(queue_rule):
    body, _ = queue_rule(InputTransformer={"InputPathsMap": {"total": "$.detail.total"},
                                           "InputTemplate": '"Order total <total> at <aws.events.rule-name>"'})
    assert body.startswith('"Order total 250 at to-queue-') and body.endswith('"')


def test_custom_bus_delivers_only_its_own_events(sb, unique):
    sqs, events = boto3.client("sqs"), boto3.client("events")
    bus = f"orders-bus-{unique}"
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=f"bus-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = json.dumps({"source": ["shop"]})
    rule_arn = events.put_rule(Name="orders", EventBusName=bus, EventPattern=pattern)["RuleArn"]
    assert rule_arn.endswith(f":rule/{bus}/orders")
    events.put_targets(Rule="orders", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    entry = {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"n": 1})}
    events.put_events(Entries=[entry])  # the default bus: no rule of the custom bus sees it
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    events.put_events(Entries=[{**entry, "Detail": json.dumps({"n": 2}), "EventBusName": bus}])
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"])["detail"] == {"n": 2}
