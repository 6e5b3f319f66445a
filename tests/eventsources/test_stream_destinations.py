"""On-failure destinations of stream mappings: SQS queues and SNS topics get AWS's invocation record.

https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html and
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (example invocation records, compared here field by
field: names, JSON types and time formats).
"""

from __future__ import annotations

import logging
import re

import boto3
from stream_support import (
    OK,
    delete_mappings_afterwards,  # noqa: F401 - fixture
    deploy,
    eventually,
    make_queue,
    make_stream,
    make_table,
    map_stream,
    received,
)

from lambda_course.deploy import ensure_role
from localaws.eventsources.streams import failures
from localaws.eventsources.streams.failures import LastInvocation
from localaws.eventsources.streams.sources import DYNAMODB, KINESIS, SourceRecord

KINESIS_EXAMPLE = {
    "requestContext": {"requestId": "c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
                       "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
                       "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 1},
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2019-11-14T00:38:06.021Z",
    "KinesisBatchInfo": {
        "shardId": "shardId-000000000001",
        "startSequenceNumber": "49601189658422359378836298521827638475320189012309704722",
        "endSequenceNumber": "49601189658422359378836298522902373528957594348623495186",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:38:04.835Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:38:05.580Z",
        "batchSize": 500,
        "streamArn": "arn:aws:kinesis:us-east-2:123456789012:stream/mystream"},
}
DYNAMODB_BATCH_EXAMPLE = {
    "shardId": "shardId-00000001573689847184-864758bb",
    "startSequenceNumber": "800000000003126276362",
    "endSequenceNumber": "800000000003126276362",
    "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
    "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
    "batchSize": 1,
    "streamArn": "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388",
}
FAIL_ALWAYS = "def handler(event, context):\n    log_event(event, time.time())\n    raise ValueError('no')\n"


def _shape(value: object) -> object:
    """Field names and JSON types, with timestamps reduced to their format."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", value):
        return "time with milliseconds" if "." in value else "time in seconds"
    return type(value).__name__


def _records(*numbers: str) -> list[SourceRecord]:
    return [SourceRecord(number, "key", 0.0, None) for number in numbers]


def test_the_kinesis_record_has_the_documented_shape():
    document = failures.invocation_record(
        KINESIS, "arn:aws:lambda:us-east-1:123456789012:function:f", "RetryAttemptsExhausted", 1,
        "shardId-000000000000", _records("1", "2"), [1700000000.5, 1700000001.25],
        "arn:aws:kinesis:us-east-1:123456789012:stream/s", 1700000002.0, LastInvocation("id-1", "Unhandled"))
    assert _shape(document) == _shape(KINESIS_EXAMPLE)
    assert list(document) == list(KINESIS_EXAMPLE)  # and in the documented order
    assert document["KinesisBatchInfo"]["approximateArrivalOfLastRecord"] == "2023-11-14T22:13:21.250Z"


def test_the_dynamodb_record_counts_whole_seconds():
    document = failures.invocation_record(
        DYNAMODB, "arn:aws:lambda:us-east-1:123456789012:function:f", "RecordAgeExceeded", 0, "shardId-1",
        _records("7"), [1700000000.5], "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label", 1700000002.0,
        None)
    assert _shape(document["DDBStreamBatchInfo"]) == _shape(DYNAMODB_BATCH_EXAMPLE)
    assert "responseContext" not in document  # given up before any invocation: nothing to report
    assert document["requestContext"]["condition"] == "RecordAgeExceeded"


def test_a_failing_dynamodb_stream_sends_its_batch_info_to_an_sqs_queue(sb, unique):
    table = f"orders-{unique}"
    arn = make_table(table, "NEW_IMAGE")
    boto3.client("dynamodb").put_item(TableName=table, Item={"Id": {"S": "a"}})
    name = deploy(unique, FAIL_ALWAYS)
    url, queue_arn = make_queue(unique)
    map_stream(arn, name, MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert sb.wait_idle(10)
    (document,) = eventually(lambda: received(url), timeout=5)
    assert _shape(document["DDBStreamBatchInfo"]) == _shape(DYNAMODB_BATCH_EXAMPLE)
    assert document["DDBStreamBatchInfo"]["streamArn"] == arn and document["DDBStreamBatchInfo"]["batchSize"] == 1
    assert document["requestContext"]["approximateInvokeCount"] == 2


def test_an_sns_topic_receives_the_record_as_its_message(sb, unique):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"failed-{unique}")["TopicArn"]
    url, queue_arn = make_queue(unique, "subscriber")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    source = make_stream(unique)
    written = source.put("x")
    name = deploy(unique, FAIL_ALWAYS)
    map_stream(source.arn, name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": topic}})
    assert sb.wait_idle(10)
    (document,) = eventually(lambda: received(url), timeout=5)
    assert document["KinesisBatchInfo"]["startSequenceNumber"] == written[0]
    assert document["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_a_successful_stream_sends_nothing(sb, unique):
    source = make_stream(unique)
    source.put("fine")
    url, queue_arn = make_queue(unique)
    uuid = map_stream(source.arn, deploy(unique, OK), DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert sb.wait_idle(10)
    assert [batch.outcome for batch in sb.stream_poller.batches(uuid)] == ["ok"]
    assert received(url) == []


def test_a_role_that_may_not_send_to_the_destination_sends_nothing(sb, unique, caplog):
    role = ensure_role(f"no-send-{unique}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kinesis:*"], "Resource": "*"}]})
    source = make_stream(unique)
    written = source.put("x")
    url, queue_arn = make_queue(unique)
    name = deploy(unique, FAIL_ALWAYS, role=role)
    with caplog.at_level(logging.WARNING, logger="localaws.eventsources.streams.poller"):
        uuid = map_stream(source.arn, name, MaximumRetryAttempts=0,
                          DestinationConfig={"OnFailure": {"Destination": queue_arn}})
        assert sb.wait_idle(10)
    assert [d.sequence_numbers for d in sb.stream_poller.discarded if d.mapping_uuid == uuid] == [written]
    assert received(url) == []
    assert any("may not (sqs:SendMessage)" in record.getMessage() for record in caplog.records)
