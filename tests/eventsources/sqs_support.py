"""Helpers for the SQS event source mapping tests: queues, mappings, and the batches a function logged."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import boto3

# For tests about redelivery: a failed or throttled batch is visible again after one second.
QUICK_RETRY = {"VisibilityTimeout": "1"}

# Every handler in these tests starts with this: it logs each batch it gets, with the time it ran.
LOG_BATCH = """
import json, time

def log_batch(event, started, **extra):
    records = [{"id": r["messageId"], "body": r["body"], "count": r["attributes"]["ApproximateReceiveCount"],
                "group": r["attributes"].get("MessageGroupId")} for r in event["Records"]]
    print("BATCH " + json.dumps({"records": records, "started": started, "ended": time.time(), **extra}))
"""


@dataclass
class Queue:
    """A queue made for one test: its URL and ARN, and a client to talk to it."""

    url: str
    arn: str

    def send(self, *bodies: str, **extra: Any) -> list[str]:
        """Send each body as its own message; return their message IDs."""
        sqs = boto3.client("sqs")
        return [sqs.send_message(QueueUrl=self.url, MessageBody=body, **extra)["MessageId"] for body in bodies]

    def counts(self) -> tuple[int, int]:
        """(visible, in flight) messages, as GetQueueAttributes reports them."""
        attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=self.url, AttributeNames=["All"])
        values = attributes["Attributes"]
        return int(values["ApproximateNumberOfMessages"]), int(values["ApproximateNumberOfMessagesNotVisible"])

    def drain(self) -> list[dict[str, Any]]:
        """Receive (and leave in flight) whatever is visible, with every attribute."""
        response = boto3.client("sqs").receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                                       AttributeNames=["All"], MessageAttributeNames=["All"])
        return response.get("Messages", [])


def map_queue(queue: Queue, function_name: str, **options: Any) -> str:
    """Create an event source mapping from the queue to the function; return its UUID."""
    return boto3.client("lambda").create_event_source_mapping(EventSourceArn=queue.arn,
                                                              FunctionName=function_name, **options)["UUID"]


def logged_batches(function_name: str) -> list[dict[str, Any]]:
    """Every batch the function logged, in the order the invocations started."""
    logs = boto3.client("logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function_name}")
        events = [event for page in pages for event in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []
    found = [json.loads(e["message"].split("BATCH ", 1)[1]) for e in events if "BATCH " in e["message"]]
    return sorted(found, key=lambda batch: batch["started"])


def bodies(batches: list[dict[str, Any]]) -> list[list[str]]:
    """The message bodies of each batch."""
    return [[record["body"] for record in batch["records"]] for batch in batches]


def eventually(condition: Any, timeout: float = 10.0, step: float = 0.05) -> Any:
    """Poll `condition()` until it returns something truthy (returned) or timeout passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)


def history(sb: Any, mapping_uuid: str) -> list[Any]:
    """The poller's records of one mapping's batches."""
    return [record for record in list(sb.sqs_poller.history) if record.mapping_uuid == mapping_uuid]
