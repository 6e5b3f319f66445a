"""The events Lambda invokes a function with for a batch of stream records, field by field as AWS documents them.

Kinesis: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (example event).
DynamoDB Streams: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (example event).
Times are on the sandbox's clock (`arrival`), so that a moved clock ages the records the function sees.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from localaws.eventsources.streams.sources import KINESIS, SourceRecord

Arrival = Callable[[SourceRecord], float]  # when a record reached the stream, on the sandbox's clock


def kinesis_record(record: SourceRecord, shard_id: str, arrival: float, stream_arn: str, role: str,
                   region: str) -> dict[str, Any]:
    """One entry of a Kinesis event's Records list."""
    raw = record.raw
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": raw.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(bytes(raw.data)).decode(),
            "approximateArrivalTimestamp": round(arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def dynamodb_record(record: SourceRecord, arrival: float, stream_arn: str, region: str) -> dict[str, Any]:
    """One entry of a DynamoDB Streams event's Records list; the images present are those the view type keeps."""
    stored = record.raw.record
    change = stored["dynamodb"]
    dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": int(arrival), "Keys": change["Keys"]}
    for image in ("NewImage", "OldImage"):
        if image in change:
            dynamodb[image] = change[image]
    dynamodb.update({"SequenceNumber": record.sequence_number, "SizeBytes": int(change["SizeBytes"]),
                     "StreamViewType": change["StreamViewType"]})
    return {
        "eventID": stored["eventID"],
        "eventName": stored["eventName"],
        "eventVersion": stored["eventVersion"],
        "eventSource": "aws:dynamodb",
        "awsRegion": region,  # moto writes us-east-1 whatever the table's region
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def event(kind: str, records: list[SourceRecord], shard_id: str, arrival: Arrival, stream_arn: str, role: str,
          region: str) -> dict[str, Any]:
    """The whole event for one batch: {"Records": [...]}, in the shard's order."""
    if kind == KINESIS:
        entries = [kinesis_record(r, shard_id, arrival(r), stream_arn, role, region) for r in records]
    else:
        entries = [dynamodb_record(r, arrival(r), stream_arn, region) for r in records]
    return {"Records": entries}
