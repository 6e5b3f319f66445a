"""One shard's records split into lanes (ParallelizationFactor), each read in order from its own checkpoint.

With a factor of 1 a shard has one lane: one batch at a time, in sequence order, and a failing batch holds every
record behind it until it succeeds, its retries run out or its records grow too old. With a factor of N, records
go to lane hash(key) mod N, so records of one partition key keep their order while N batches run at once
(https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, "Polling and batching streams").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from localaws.eventsources.streams.config import StreamConfig
from localaws.eventsources.streams.failures import LastInvocation
from localaws.eventsources.streams.sources import SourceRecord


def lane_of(key: str, lanes: int) -> int:
    """The lane a record of this key goes through: stable, so a key's records always share one."""
    return int(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest(), 16) % lanes


@dataclass
class Lane:
    """Where one lane of one shard stands: done up to `checkpoint`, and the batches it still owes."""

    checkpoint: int  # the highest sequence number this lane has finished with (done or given up)
    batches: list[list[SourceRecord]] = field(default_factory=list)  # the current batch first; halves after it
    attempts: int = 0  # failed invocations of the current batch (splitting it does not count)
    last: LastInvocation | None = None  # the current batch's last invocation, for the on-failure record
    window_started: float | None = None
    resume_at: float = 0.0  # clock time before which the lane is not invoked again (a retry's pause)
    in_flight: bool = False

    def pending(self, records: list[SourceRecord], index: int, lanes: int) -> list[SourceRecord]:
        """The shard's records this lane has yet to read, in order."""
        return [r for r in records if r.seq > self.checkpoint and lane_of(r.key, lanes) == index]

    def next_batch(self, records: list[SourceRecord], index: int, config: StreamConfig,
                   now: float) -> list[SourceRecord] | None:
        """The batch to invoke now, or None: busy, pausing, nothing new, or a partial batch inside its window."""
        if self.in_flight or now < self.resume_at:
            return None
        if self.batches:
            return self.batches[0]
        pending = self.pending(records, index, config.parallelization)
        if not pending:
            self.window_started = None
            return None
        if len(pending) < config.batch_size and config.window_s > 0:
            self.window_started = now if self.window_started is None else self.window_started
            if now - self.window_started < config.window_s:
                return None
        self.window_started = None
        self.batches = [pending[:config.batch_size]]
        return self.batches[0]

    def has_work(self, records: list[SourceRecord], index: int, lanes: int) -> bool:
        return self.in_flight or bool(self.batches) or bool(self.pending(records, index, lanes))

    def finish(self, count: int) -> list[SourceRecord]:
        """The first `count` records of the current batch are done (or given up): move the checkpoint past them."""
        batch = self.batches[0]
        finished, rest = batch[:count], batch[count:]
        if finished:
            self.checkpoint = max(self.checkpoint, finished[-1].seq)
        if rest:
            self.batches[0] = rest
        else:
            self.batches.pop(0)
            self.attempts, self.last = 0, None
        return finished

    def split(self) -> None:
        """BisectBatchOnFunctionError: the failed batch becomes its two halves, each with a fresh retry count."""
        batch = self.batches.pop(0)
        half = (len(batch) + 1) // 2
        self.batches[:0] = [batch[:half], batch[half:]]
        self.attempts, self.last = 0, None
