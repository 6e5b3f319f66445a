"""The event Lambda passes to a function for a batch of SQS messages, built from moto's message objects."""

from __future__ import annotations

import base64
from typing import Any


def _b64(value: Any) -> str:
    """Binary attribute values travel base64-encoded; moto keeps what the client sent (text or bytes)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return str(value)


def message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """SendMessage's MessageAttributes in the event's spelling (camelCase, both list fields always present)."""
    converted = {}
    for name, attribute in attributes.items():
        entry: dict[str, Any] = {}
        if attribute.get("StringValue") is not None:
            entry["stringValue"] = attribute["StringValue"]
        if attribute.get("BinaryValue") is not None:
            entry["binaryValue"] = _b64(attribute["BinaryValue"])
        entry["stringListValues"] = list(attribute.get("StringListValues") or [])
        entry["binaryListValues"] = [_b64(item) for item in attribute.get("BinaryListValues") or []]
        entry["dataType"] = attribute["DataType"]
        converted[name] = entry
    return converted


def _system_attributes(message: Any, fifo: bool) -> dict[str, str]:
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": message.sender_id,
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if fifo:
        attributes["SequenceNumber"] = str(message.sequence_number)
        attributes["MessageGroupId"] = message.group_id
        attributes["MessageDeduplicationId"] = message.deduplication_id
    return attributes


def record(message: Any, queue_arn: str, region: str) -> dict[str, Any]:
    """One entry of the event's Records list, for a message as ReceiveMessage just returned it."""
    entry: dict[str, Any] = {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": _system_attributes(message, queue_arn.endswith(".fifo")),
        "messageAttributes": message_attributes(message.message_attributes),
    }
    if message.message_attributes:
        entry["md5OfMessageAttributes"] = message.attribute_md5
    entry.update({"md5OfBody": message.body_md5, "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
                  "awsRegion": region})
    return entry


def event(messages: list[Any], queue_arn: str, region: str) -> dict[str, Any]:
    """The whole event: {"Records": [...]}, one record per message, in the order they were received."""
    return {"Records": [record(message, queue_arn, region) for message in messages]}
