"""A failing batch blocks its shard: retries, bisection, record age, partial responses, on-failure destinations.

https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html (error handling and the
invocation record), https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
(ReportBatchItemFailures: the checkpoint is the lowest failed sequence number) and
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (MaximumRetryAttempts,
MaximumRecordAgeInSeconds, BisectBatchOnFunctionError).
"""

from __future__ import annotations

import re

from stream_support import (
    POISON,
    delete_mappings_afterwards,  # noqa: F401 - a fixture
    deploy,
    eventually,
    make_queue,
    make_stream,
    map_stream,
    received,
    sequence_numbers,
)

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _destination(arn: str) -> dict:
    return {"OnFailure": {"Destination": arn}}


def test_retries_run_out_then_the_destination_gets_the_batch_and_the_shard_moves_on(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, POISON)
    url, queue_arn = make_queue(unique)
    first = stream.put("a", "poison")
    uuid = map_stream(stream.arn, name, BatchSize=10, MaximumRetryAttempts=2, DestinationConfig=_destination(queue_arn))
    eventually(lambda: sequence_numbers(sb, uuid), timeout=5)
    later = stream.put("b")  # written while the shard is blocked: read only once the failing batch is given up
    assert sb.wait_idle(15)
    assert [(b.sequence_numbers, b.outcome, b.attempt) for b in sb.stream_poller.batches(uuid)] == [
        (first, "function_error", 1), (first, "function_error", 2), (first, "function_error", 3),
        (later, "ok", 1)]
    (record,) = eventually(lambda: received(url), timeout=5)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}")
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (first[0], first[1], 2)
    assert info["shardId"] == "shardId-000000000000" and info["streamArn"] == stream.arn
    assert ISO_MS.match(info["approximateArrivalOfFirstRecord"]) and ISO_MS.match(record["timestamp"])


def test_bisection_isolates_the_poison_record(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, POISON)
    url, queue_arn = make_queue(unique)
    written = stream.put("a", "b", "poison", "c", "d")
    uuid = map_stream(stream.arn, name, BatchSize=10, BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
                      DestinationConfig=_destination(queue_arn))
    assert sb.wait_idle(15)
    poison = written[2]
    succeeded = sorted(seq for batch in sequence_numbers(sb, uuid, "ok") for seq in batch)
    assert succeeded == sorted(set(written) - {poison}, key=int)
    assert [d.sequence_numbers for d in sb.stream_poller.discarded if d.mapping_uuid == uuid] == [[poison]]
    (record,) = eventually(lambda: received(url), timeout=5)
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (poison, poison, 1)
    failed = sequence_numbers(sb, uuid, "function_error")
    assert failed[0] == written and [poison] in failed  # the whole batch first, the poison record alone last


def test_a_record_older_than_the_maximum_age_is_given_up(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, POISON)
    url, queue_arn = make_queue(unique)
    poison = stream.put("poison")
    uuid = map_stream(stream.arn, name, MaximumRecordAgeInSeconds=60, DestinationConfig=_destination(queue_arn))
    eventually(lambda: len(sequence_numbers(sb, uuid)) >= 2, timeout=5)  # retried: the shard is stuck
    sb.clock.advance(45)
    later = stream.put("fine")
    eventually(lambda: len(sequence_numbers(sb, uuid)) >= 4, timeout=5)
    assert later not in sequence_numbers(sb, uuid)  # behind the poison record, 45 s old: still retried
    sb.clock.advance(20)  # the poison record is 65 s old now, the fine one 20 s
    assert sb.wait_idle(10)
    assert sequence_numbers(sb, uuid, "ok") == [later]
    (record,) = eventually(lambda: received(url), timeout=5)
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["KinesisBatchInfo"]["startSequenceNumber"] == poison[0]


def test_partial_batch_response_checkpoints_at_the_lowest_failed_record(sb, unique):
    stream = make_stream(unique)
    handler = """
def handler(event, context):
    log_event(event, time.time())
    seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    if datas(event)[0] == "r1":  # the first delivery: report two failures, the later one first
        return {"batchItemFailures": [{"itemIdentifier": seqs[4]}, {"itemIdentifier": seqs[2]}]}
    return {"batchItemFailures": []}
"""
    name = deploy(unique, handler)
    written = stream.put("r1", "r2", "r3", "r4", "r5")
    uuid = map_stream(stream.arn, name, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    assert sb.wait_idle(10)
    assert [(b.sequence_numbers, b.outcome) for b in sb.stream_poller.batches(uuid)] == [
        (written, "partial"), (written[2:], "ok")]


def test_a_malformed_partial_response_fails_the_whole_batch(sb, unique):
    stream = make_stream(unique)
    handler = """
def handler(event, context):
    log_event(event, time.time())
    return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}
"""
    name = deploy(unique, handler)
    written = stream.put("a", "b")
    uuid = map_stream(stream.arn, name, FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1)
    assert sb.wait_idle(10)
    assert [(b.sequence_numbers, b.outcome) for b in sb.stream_poller.batches(uuid)] == [
        (written, "invalid_response"), (written, "invalid_response")]
    assert [d.condition for d in sb.stream_poller.discarded if d.mapping_uuid == uuid] == ["RetryAttemptsExhausted"]


def test_iterator_age_grows_while_a_poison_record_blocks_the_shard(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, POISON)
    stream.put("poison")
    uuid = map_stream(stream.arn, name)  # MaximumRetryAttempts -1: retried until the record leaves the stream
    eventually(lambda: sb.stream_poller.iterator_ages(uuid), timeout=5)
    for _ in range(2):
        count = len(sb.stream_poller.iterator_ages(uuid))
        sb.clock.advance(300)
        eventually(lambda count=count: len(sb.stream_poller.iterator_ages(uuid)) > count, timeout=5)
    ages = [age for _at, age in sb.stream_poller.iterator_ages(uuid)]
    assert ages == sorted(ages) and ages[-1] >= 600_000 and ages[0] < 5_000
    assert not sb.stream_poller.discarded or all(d.mapping_uuid != uuid for d in sb.stream_poller.discarded)
