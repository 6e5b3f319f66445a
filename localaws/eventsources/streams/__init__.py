"""Kinesis and DynamoDB Streams event source mappings with Lambda's semantics: per-shard, ordered, blocking.

    from localaws.eventsources.streams import StreamPoller, install
    install()                        # moto stops invoking functions while records are written
    poller = StreamPoller(runtime)   # the sandbox creates one, starts it, and stops it on reset and stop
    poller.wait_idle(timeout=30)     # until every lane of every enabled mapping has read all its records
    poller.batches(uuid)             # every invocation: sequence numbers, outcome, attempt, IteratorAge
    poller.iterator_ages(uuid)       # (clock time, IteratorAge in ms) per invocation, for metrics and plots
    poller.discarded                 # records given up, and why (RetryAttemptsExhausted, RecordAgeExceeded)

Modules: `sources` (moto's streams and records), `config` (a mapping's settings), `lanes` (per-shard order and
ParallelizationFactor), `events` (the event a function gets), `failures` (partial batch responses and on-failure
records), `permissions` (the execution-role check), `moto_patch` (the seams), `poller` (the thread that runs it).
"""

from __future__ import annotations

from localaws.eventsources.streams.moto_patch import install
from localaws.eventsources.streams.poller import Discard, StreamBatch, StreamPoller

__all__ = ["Discard", "StreamBatch", "StreamPoller", "install"]
