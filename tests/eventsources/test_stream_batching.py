"""Kinesis mappings read each shard in order, in batches of BatchSize, waiting MaximumBatchingWindowInSeconds.

https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html ("Polling and batching streams": one batch at a
time per shard, in order; a batch goes when it is full or its window has passed) and
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (StartingPosition).
"""

from __future__ import annotations

import time

import boto3
from stream_support import (
    OK,
    delete_mappings_afterwards,  # noqa: F401 - a fixture
    deploy,
    eventually,
    logged_events,
    make_stream,
    map_stream,
    sequence_numbers,
)


def test_each_shard_is_read_in_order_one_batch_at_a_time(sb, unique):
    name, source = deploy(unique, OK), make_stream(unique, shards=2)
    written = {}
    for index in range(24):
        key = f"key-{index % 6}"
        written[source.put(f"r{index}", key=key)[0]] = key
    uuid = map_stream(source.arn, name, BatchSize=5)
    assert sb.wait_idle(15)
    by_shard: dict[str, list[list[int]]] = {}
    for batch in sb.stream_poller.batches(uuid):
        assert batch.outcome == "ok" and len(batch.sequence_numbers) <= 5
        by_shard.setdefault(batch.shard_id, []).append([int(seq) for seq in batch.sequence_numbers])
    assert len(by_shard) == 2  # six keys spread over both shards
    for batches in by_shard.values():
        flat = [seq for batch in batches for seq in batch]
        assert flat == sorted(flat) and len(flat) == len(set(flat))
    assert sum(len(batch) for batches in by_shard.values() for batch in batches) == 24
    events = logged_events(name)
    for shard_id in by_shard:  # a shard's next batch starts only after its previous one ended
        mine = [e for e in events if e["event"]["Records"][0]["eventID"].startswith(shard_id)]
        assert all(later["started"] >= earlier["ended"] for earlier, later in zip(mine, mine[1:], strict=False))


def test_window_holds_a_partial_batch_until_the_clock_passes_it(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, OK)
    uuid = map_stream(stream.arn, name, BatchSize=10, MaximumBatchingWindowInSeconds=120)
    stream.put("a", "b", "c")
    time.sleep(0.6)
    assert sequence_numbers(sb, uuid) == []
    sb.clock.advance(121)
    batches = eventually(lambda: sequence_numbers(sb, uuid), timeout=5)
    assert batches == [["1", "2", "3"]]


def test_a_full_batch_does_not_wait_for_the_window(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, OK)
    uuid = map_stream(stream.arn, name, BatchSize=3, MaximumBatchingWindowInSeconds=300)
    stream.put("a", "b", "c", "d")
    assert eventually(lambda: sequence_numbers(sb, uuid), timeout=5) == [["1", "2", "3"]]
    time.sleep(0.3)
    assert sequence_numbers(sb, uuid) == [["1", "2", "3"]]  # "d" waits for its own window


def test_latest_reads_only_records_written_after_the_mapping(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, OK)
    stream.put("before-1", "before-2")
    uuid = map_stream(stream.arn, name, StartingPosition="LATEST", BatchSize=10)
    time.sleep(0.3)
    later = stream.put("after")
    assert sb.wait_idle(10)
    assert sequence_numbers(sb, uuid) == [later]


def test_at_timestamp_starts_at_the_first_record_written_then(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, OK)
    stream.put("old")
    time.sleep(1.1)
    moment = time.time()
    newer = stream.put("new-1", "new-2")
    uuid = map_stream(stream.arn, name, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=moment)
    assert sb.wait_idle(10)
    assert sequence_numbers(sb, uuid) == [newer]


def test_a_disabled_mapping_reads_nothing_until_enabled(sb, unique):
    stream = make_stream(unique)

    name = deploy(unique, OK)
    uuid = map_stream(stream.arn, name, Enabled=False)
    stream.put("a")
    time.sleep(0.3)
    assert sequence_numbers(sb, uuid) == []
    boto3.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    assert eventually(lambda: sequence_numbers(sb, uuid), timeout=5) == [["1"]]
