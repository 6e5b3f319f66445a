"""When the sandbox itself fails, a stream's records are never skipped: the failure is logged and retried.

The poller's loop catches every error of one poll (so that the thread survives) and a batch that fails inside the
sandbox (an on-failure destination that cannot be reached, say) stays the lane's current batch.
"""

from __future__ import annotations

import logging

from stream_support import (
    OK,
    POISON,
    delete_mappings_afterwards,  # noqa: F401 - a fixture
    deploy,
    eventually,
    make_stream,
    map_stream,
    sequence_numbers,
)

from localaws.eventsources.streams import poller as poller_module


def test_a_poll_that_raises_leaves_the_poller_running(sb, unique, monkeypatch, caplog):
    real, calls = poller_module.stream_mappings, []

    def broken_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("moto's state changed under the poll")
        return real()

    monkeypatch.setattr(poller_module, "stream_mappings", broken_once)
    with caplog.at_level(logging.ERROR, logger="localaws.eventsources.streams.poller"):
        sb.stream_poller.wake()
        eventually(lambda: len(calls) > 1, timeout=5)
    assert any(record.getMessage() == "stream poll failed" for record in caplog.records)
    stream = make_stream(unique)
    written = stream.put("still read")
    uuid = map_stream(stream.arn, deploy(unique, OK))
    assert eventually(lambda: sequence_numbers(sb, uuid), timeout=5) == [written]


def test_an_unreachable_destination_keeps_the_records_instead_of_dropping_them(sb, unique, caplog):
    stream = make_stream(unique)
    written = stream.put("poison")
    missing_queue = f"arn:aws:sqs:{sb.region}:123456789012:no-such-queue-{unique}"
    with caplog.at_level(logging.ERROR, logger="localaws.eventsources.streams.poller"):
        uuid = map_stream(stream.arn, deploy(unique, POISON), MaximumRetryAttempts=0,
                          DestinationConfig={"OnFailure": {"Destination": missing_queue}})
        eventually(lambda: len(sequence_numbers(sb, uuid)) >= 3, timeout=8)
    assert all(numbers == written for numbers in sequence_numbers(sb, uuid))
    assert [d for d in sb.stream_poller.discarded if d.mapping_uuid == uuid] == []
    assert any("stream batch failed in the sandbox" in record.getMessage() for record in caplog.records)
