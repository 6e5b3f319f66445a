"""The event a function gets from an SQS mapping has Lambda's format, field for field."""

from __future__ import annotations

import base64
import json

import boto3
from sqs_support import map_queue

HANDLER = "def handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"
RECORD_KEYS = {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
               "eventSource", "eventSourceARN", "awsRegion"}


def logged_event(function_name: str) -> dict:
    events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
    return [json.loads(e["message"].split("EVENT ", 1)[1]) for e in events if "EVENT " in e["message"]][0]


def test_standard_queue_record(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    sent = boto3.client("sqs").send_message(QueueUrl=queue.url, MessageBody='{"order": 42}', MessageAttributes={
        "tenant": {"DataType": "String", "StringValue": "acme"},
        "priority": {"DataType": "Number", "StringValue": "7"},
        "thumbprint": {"DataType": "Binary", "BinaryValue": b"\x00\xffraw"},
    })
    map_queue(queue, name)
    assert sb.wait_idle(15)
    (record,) = logged_event(name)["Records"]
    assert set(record) == RECORD_KEYS | {"md5OfMessageAttributes"}
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"order": 42}'
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["receiptHandle"] and isinstance(record["receiptHandle"], str)
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", queue.arn,
                                                                                       sb.region)
    attributes = record["attributes"]
    assert set(attributes) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                               "ApproximateFirstReceiveTimestamp"}
    assert attributes["ApproximateReceiveCount"] == "1"
    assert int(attributes["SentTimestamp"]) <= int(attributes["ApproximateFirstReceiveTimestamp"])
    assert record["messageAttributes"]["tenant"] == {"stringValue": "acme", "stringListValues": [],
                                                     "binaryListValues": [], "dataType": "String"}
    assert record["messageAttributes"]["priority"]["dataType"] == "Number"
    thumbprint = record["messageAttributes"]["thumbprint"]
    assert base64.b64decode(thumbprint["binaryValue"]) == b"\x00\xffraw" and thumbprint["dataType"] == "Binary"


def test_fifo_queue_record(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue(fifo=True)
    sent = boto3.client("sqs").send_message(QueueUrl=queue.url, MessageBody="first", MessageGroupId="customer-7",
                                            MessageDeduplicationId="dedup-1")
    map_queue(queue, name)
    assert sb.wait_idle(15)
    (record,) = logged_event(name)["Records"]
    assert set(record) == RECORD_KEYS  # no message attributes were sent, so no digest of them
    assert record["messageAttributes"] == {}
    assert record["attributes"]["MessageGroupId"] == "customer-7"
    assert record["attributes"]["MessageDeduplicationId"] == "dedup-1"
    assert record["attributes"]["SequenceNumber"] == sent["SequenceNumber"]
    assert record["eventSourceARN"] == queue.arn and queue.arn.endswith(".fifo")
