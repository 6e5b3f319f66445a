"""Helpers for the SQS event source mapping tests: queues, mappings, and the batches a function logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from eventsource_support import eventually as eventually  # re-exported: the tests import it from here
from eventsource_support import printed

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
    return printed(function_name, "BATCH ")


def bodies(batches: list[dict[str, Any]]) -> list[list[str]]:
    """The message bodies of each batch."""
    return [[record["body"] for record in batch["records"]] for batch in batches]


def history(sb: Any, mapping_uuid: str) -> list[Any]:
    """The poller's records of one mapping's batches."""
    return [record for record in list(sb.sqs_poller.history) if record.mapping_uuid == mapping_uuid]
