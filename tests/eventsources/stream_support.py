"""Helpers for the Kinesis and DynamoDB Streams mapping tests: streams, tables, mappings and what the poller saw."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from eventsource_support import eventually as eventually  # re-exported: the tests import it from here
from eventsource_support import printed

from lambda_course.deploy import deploy_function

# Every handler in these tests starts with this: it prints each batch it gets (the whole event) with its times.
LOG_EVENT = """
import json, time

def log_event(event, started, **extra):
    print("EVENT " + json.dumps({"event": event, "started": started, "ended": time.time(), **extra}))

def datas(event):
    import base64
    return [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
"""
OK = "def handler(event, context):\n    log_event(event, time.time())\n"
# Fails every batch that holds the record whose data is "poison".
POISON = """
def handler(event, context):
    log_event(event, time.time())
    if "poison" in datas(event):
        raise RuntimeError("poison record")
"""


@dataclass
class Stream:
    """A Kinesis stream made for one test."""

    name: str
    arn: str

    def put(self, *datas: str, key: str = "k") -> list[str]:
        """Write each text as its own record under one partition key; return their sequence numbers."""
        kinesis = boto3.client("kinesis")
        return [kinesis.put_record(StreamName=self.name, Data=data.encode(), PartitionKey=key)["SequenceNumber"]
                for data in datas]


def make_stream(unique: str, shards: int = 1) -> Stream:
    kinesis = boto3.client("kinesis")
    name = f"stream-{unique}"
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return Stream(name, kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"])


def make_table(name: str, view: str, key_type: str = "S") -> str:
    """A DynamoDB table keyed by "Id" (of `key_type`) whose stream shows `view`; return the stream's ARN."""
    created = boto3.client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": key_type}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return str(created["TableDescription"]["LatestStreamArn"])


def deploy(unique: str, source: str, name: str = "reader", role: str | None = None) -> str:
    function_name = f"{name}-{unique}"
    deploy_function(function_name, LOG_EVENT + source, timeout=3, role=role)
    return function_name


_created: list[str] = []  # the mappings made by the test running now


def map_stream(arn: str, function_name: str, **options: Any) -> str:
    """Create an event source mapping (TRIM_HORIZON unless told); return its UUID. It is deleted after the test."""
    options.setdefault("StartingPosition", "TRIM_HORIZON")
    uuid = boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=function_name,
                                                              **options)["UUID"]
    _created.append(uuid)
    return uuid


@pytest.fixture(autouse=True)
def delete_mappings_afterwards():
    """Delete the test's mappings, so that records a test leaves waiting keep no later test's wait_idle busy."""
    yield
    while _created:
        boto3.client("lambda").delete_event_source_mapping(UUID=_created.pop())


def make_queue(unique: str, name: str = "failures") -> tuple[str, str]:
    """An SQS queue for on-failure records: (URL, ARN)."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"{name}-{unique}")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def received(url: str) -> list[dict[str, Any]]:
    """The JSON bodies waiting on a queue (received, so they stay in flight)."""
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def logged_events(function_name: str) -> list[dict[str, Any]]:
    """Every event the function printed, with its start and end times, in the order the invocations started."""
    return printed(function_name, "EVENT ")


def sequence_numbers(sb: Any, uuid: str, outcome: str | None = None) -> list[list[str]]:
    """The sequence numbers of each invocation of a mapping (only those with `outcome`, if given)."""
    return [batch.sequence_numbers for batch in sb.stream_poller.batches(uuid)
            if outcome is None or batch.outcome == outcome]
