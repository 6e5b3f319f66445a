"""EventBridge delivers matching events to Lambda (asynchronously) and SNS targets, with target input rules."""

from __future__ import annotations

import json

import boto3
import pytest

from grader.deploy import deploy_function

RECORDER = """
import boto3, json, os
def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=context.aws_request_id, Body=json.dumps(event))
"""


@pytest.fixture
def rule(sb, unique):
    """A function that remembers what it gets, and a rule on the default bus for source 'shop'."""
    name = bucket = f"events-{unique}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    arn = deploy_function(name, RECORDER, environment={"BUCKET": bucket})["FunctionArn"]
    events = boto3.client("events")
    events.put_rule(Name=f"orders-{unique}", EventPattern=json.dumps(
        {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}))

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
