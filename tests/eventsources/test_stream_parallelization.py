"""ParallelizationFactor: several batches of one shard at once, each partition key's records still in order.

https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html ("Polling and batching streams": with a
parallelization factor up to 10, Lambda processes batches of one shard concurrently and keeps the order of
records with the same partition key).
"""

from __future__ import annotations

import boto3
import pytest
from stream_support import (
    delete_mappings_afterwards,  # noqa: F401 - a fixture
    deploy,
    logged_events,
    make_stream,
    map_stream,
)

from localaws.eventsources.streams.lanes import lane_of

SLOW = "def handler(event, context):\n    started = time.time()\n    time.sleep(0.3)\n    log_event(event, started)\n"


def _overlapping(events: list[dict]) -> bool:
    return any(later["started"] < earlier["ended"] for earlier, later in zip(events, events[1:], strict=False))


def test_batches_of_one_shard_run_at_once_and_each_key_keeps_its_order(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, SLOW)
    keys = [f"user-{n}" for n in range(8)]
    for round_ in range(4):
        for key in keys:
            stream.put(f"{key}:{round_}", key=key)
    uuid = map_stream(stream.arn, name, BatchSize=4, ParallelizationFactor=4)
    assert sb.wait_idle(20)
    events = logged_events(name)
    assert _overlapping(events)  # more than one batch of the shard was in flight at a time
    seen: dict[str, list[int]] = {}
    for entry in events:
        for record in entry["event"]["Records"]:
            seen.setdefault(record["kinesis"]["partitionKey"], []).append(int(record["kinesis"]["sequenceNumber"]))
    assert sorted(seen) == keys
    assert all(numbers == sorted(numbers) and len(numbers) == 4 for numbers in seen.values())
    assert all(batch.outcome == "ok" for batch in sb.stream_poller.batches(uuid))


def test_factor_one_never_overlaps_batches_of_a_shard(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, SLOW)
    for n in range(8):
        stream.put(f"r{n}", key=f"user-{n}")
    map_stream(stream.arn, name, BatchSize=2)
    assert sb.wait_idle(20)
    events = logged_events(name)
    assert len(events) == 4 and not _overlapping(events)


def test_the_factor_is_stored_on_the_mapping(sb, unique):
    stream = make_stream(unique)
    name = deploy(unique, SLOW)
    uuid = map_stream(stream.arn, name, ParallelizationFactor=3)
    assert boto3.client("lambda").get_event_source_mapping(UUID=uuid)["ParallelizationFactor"] == 3


@pytest.mark.parametrize("factor", [1, 10])
def test_lanes_are_stable_per_key(factor):
    assert {lane_of("same-key", factor) for _ in range(5)} == {lane_of("same-key", factor)}
    assert all(0 <= lane_of(f"k{n}", factor) < factor for n in range(50))
