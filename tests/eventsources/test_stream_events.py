"""The events a stream mapping invokes a function with, compared field by field with AWS's example events.

Kinesis: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html ("Example event").
DynamoDB Streams: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html ("Example event").
"""

from __future__ import annotations

import base64
import re

import boto3
import pytest
from stream_support import (
    OK,
    delete_mappings_afterwards,  # noqa: F401 - a fixture
    deploy,
    logged_events,
    make_stream,
    make_table,
    map_stream,
)

# The documentation's example records (one of each), for the names, types and formats of their fields.
KINESIS_EXAMPLE = {
    "kinesis": {
        "kinesisSchemaVersion": "1.0",
        "partitionKey": "1",
        "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
        "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
        "approximateArrivalTimestamp": 1545084650.987,
    },
    "eventSource": "aws:kinesis",
    "eventVersion": "1.0",
    "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
    "eventName": "aws:kinesis:record",
    "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
    "awsRegion": "us-east-2",
    "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
}
DYNAMODB_EXAMPLE = {
    "eventID": "c4ca4238a0b923820dcc509a6f75849b",
    "eventName": "INSERT",
    "eventVersion": "1.0",
    "eventSource": "aws:dynamodb",
    "awsRegion": "us-west-2",
    "dynamodb": {
        "ApproximateCreationDateTime": 1479499740,
        "Keys": {"Id": {"N": "101"}},
        "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
        "SequenceNumber": "111",
        "SizeBytes": 26,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    },
    "eventSourceARN": "arn:aws:dynamodb:us-west-2:123456789012:table/ExampleTable/stream/2015-06-27T00:48:05.899",
}


def _same_shape(actual: object, example: object, path: str = "") -> None:
    """Same field names (recursively) and the same JSON type for every value."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), path
        assert set(actual) == set(example), f"{path}: {sorted(actual)} != {sorted(example)}"
        for key in example:
            _same_shape(actual[key], example[key], f"{path}.{key}")
    else:
        assert type(actual) is type(example), f"{path}: {type(actual).__name__} is not {type(example).__name__}"


def test_kinesis_records_have_the_documented_fields(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, OK)
    before = sb.clock.now()  # times are on the sandbox's clock, which other tests may have moved
    (sequence,) = stream.put("Hello, this is a test.", key="1")
    map_stream(stream.arn, name)
    assert sb.wait_idle(10)
    (record,) = logged_events(name)[0]["event"]["Records"]
    _same_shape(record, KINESIS_EXAMPLE)
    role = boto3.client("lambda").get_function_configuration(FunctionName=name)["Role"]
    assert record["kinesis"]["data"] == base64.b64encode(b"Hello, this is a test.").decode()
    assert record["kinesis"]["partitionKey"] == "1" and record["kinesis"]["sequenceNumber"] == sequence
    assert re.fullmatch(r"\d+", sequence)
    assert before - 1 <= record["kinesis"]["approximateArrivalTimestamp"] <= sb.clock.now()
    assert record["eventID"] == f"shardId-000000000000:{sequence}"
    assert (record["eventSource"], record["eventName"], record["eventVersion"]) == ("aws:kinesis",
                                                                                     "aws:kinesis:record", "1.0")
    assert record["invokeIdentityArn"] == role and record["awsRegion"] == sb.region
    assert record["eventSourceARN"] == stream.arn


def _table(unique: str, view: str) -> tuple[str, str]:
    name = f"items-{unique}"
    return name, make_table(name, view, key_type="N")


def _change_one_item(table: str) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"Id": {"N": "101"}, "Message": {"S": "New item!"}})
    dynamodb.put_item(TableName=table, Item={"Id": {"N": "101"}, "Message": {"S": "This item has changed"}})
    dynamodb.delete_item(TableName=table, Key={"Id": {"N": "101"}})


def test_dynamodb_records_have_the_documented_fields(sb, unique):
    table, arn = _table(unique, "NEW_AND_OLD_IMAGES")
    name = deploy(unique, OK)
    _change_one_item(table)
    map_stream(arn, name)
    assert sb.wait_idle(10)
    records = [r for entry in logged_events(name) for r in entry["event"]["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = records
    _same_shape(insert, DYNAMODB_EXAMPLE)
    assert insert["dynamodb"]["NewImage"] == {"Id": {"N": "101"}, "Message": {"S": "New item!"}}
    assert set(modify["dynamodb"]) == set(DYNAMODB_EXAMPLE["dynamodb"]) | {"OldImage"}
    assert modify["dynamodb"]["OldImage"]["Message"] == {"S": "New item!"}
    assert "NewImage" not in remove["dynamodb"] and remove["dynamodb"]["OldImage"]["Id"] == {"N": "101"}
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    for record in records:
        assert record["eventSourceARN"] == arn and record["awsRegion"] == sb.region
        assert record["eventSource"] == "aws:dynamodb" and re.fullmatch(r"[0-9a-f]{32}", record["eventID"])
        assert record["dynamodb"]["Keys"] == {"Id": {"N": "101"}}
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert abs(record["dynamodb"]["ApproximateCreationDateTime"] - sb.clock.now()) < 60


@pytest.mark.parametrize(("view", "images"), [("KEYS_ONLY", set()), ("NEW_IMAGE", {"NewImage"}),
                                              ("OLD_IMAGE", {"OldImage"})])
def test_dynamodb_images_follow_the_stream_view_type(sb, unique, view, images):
    table, arn = _table(unique, view)
    name = deploy(unique, OK)
    _change_one_item(table)
    map_stream(arn, name)
    assert sb.wait_idle(10)
    (modify,) = [r for entry in logged_events(name) for r in entry["event"]["Records"] if r["eventName"] == "MODIFY"]
    assert {"NewImage", "OldImage"} & set(modify["dynamodb"]) == images
