"""The stream poller: reads every Kinesis and DynamoDB Streams mapping's shards and invokes the functions in order.

One background thread looks at every enabled mapping when a record arrives, when the sandbox's clock moves and
otherwise every `interval` seconds; batches run on worker threads, at most one per lane of a shard
(`localaws.eventsources.streams.lanes`). Everything that waits does so on the sandbox's clock: the batching
window, the pause before a retry, and a record's age, so `sb.clock.advance(...)` moves them all.

What happens to a batch (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, with-ddb.html and
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html):
- success: the checkpoint moves past it; a partial success (ReportBatchItemFailures) moves it to just before
  the lowest failed record, and the batch is retried from there;
- a function error splits the batch in two when BisectBatchOnFunctionError is on (not counted as a retry), else
  counts one failed attempt; once MaximumRetryAttempts retries have failed, or a record is older than
  MaximumRecordAgeInSeconds (or the stream's retention), the records are given up: the on-failure destination
  gets a record naming them and the lane moves on. Until then nothing behind the batch is read;
- a throttled invocation is retried without counting, until the records grow too old.
Every invocation records its IteratorAge: how old the batch's last record was when the batch was sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from localaws.eventsources.background import BackgroundPoller
from localaws.eventsources.streams import events, failures, moto_patch
from localaws.eventsources.streams.config import StreamConfig, config_of
from localaws.eventsources.streams.failures import LastInvocation, Verdict
from localaws.eventsources.streams.lanes import Lane
from localaws.eventsources.streams.sources import SourceRecord, StreamMapping, stream_mappings
from localaws.runtime import alias_routing, role_access
from localaws.runtime.errors import InvokeError

log = logging.getLogger(__name__)
RETRY_PAUSE_S = 0.2  # the sandbox's pause (on its clock) before it retries a failed or throttled batch
HISTORY_LENGTH = 2000


@dataclass(frozen=True)
class StreamBatch:
    """One invocation of a batch: for notebooks to show, tests to check and metrics to read."""

    mapping_uuid: str
    shard_id: str
    sequence_numbers: list[str]
    outcome: str  # ok, partial, function_error, invalid_response, throttled, error
    attempt: int  # 1 for the first invocation of these records, 2 for the first retry...
    iterator_age_ms: int  # how old the batch's last record was when the batch was sent
    sent_at: float  # on the sandbox's clock


@dataclass(frozen=True)
class Discard:
    """Records given up: by which mapping, from which shard, and why (RetryAttemptsExhausted, RecordAgeExceeded)."""

    mapping_uuid: str
    shard_id: str
    sequence_numbers: list[str]
    condition: str
    at: float


def _log_failure(future: Future[None]) -> None:
    """Log a batch that failed inside the sandbox (not in the function): it is retried, never counted as done."""
    error = None if future.cancelled() else future.exception()
    if error is not None:
        log.error("stream batch failed in the sandbox; it will be tried again", exc_info=error)


@dataclass(frozen=True)
class _Job:
    found: StreamMapping
    config: StreamConfig
    shard_id: str
    lane: Lane
    batch: list[SourceRecord]


class StreamPoller(BackgroundPoller):
    """Polls every Kinesis and DynamoDB Streams event source mapping of the sandbox, shard by shard."""

    threads = label = "stream"

    def __init__(self, runtime: Any, interval: float = 0.05, workers: int = 8) -> None:
        super().__init__(runtime, log, interval, workers)
        self.history: deque[StreamBatch] = deque(maxlen=HISTORY_LENGTH)
        self.discarded: deque[Discard] = deque(maxlen=HISTORY_LENGTH)
        self._lanes: dict[tuple[str, str, int, int], Lane] = {}  # (mapping, shard, lanes, lane) -> state
        self._arrivals: dict[tuple[str, str, str], float] = {}  # (stream, shard, sequence number) -> clock time

    # -- reading ---------------------------------------------------------------------------------------------
    def iterator_ages(self, mapping_uuid: str) -> list[tuple[float, int]]:
        """(clock time, IteratorAge in milliseconds) of every invocation of the mapping, oldest first."""
        return [(b.sent_at, b.iterator_age_ms) for b in list(self.history) if b.mapping_uuid == mapping_uuid]

    def batches(self, mapping_uuid: str) -> list[StreamBatch]:
        """Every recorded invocation of one mapping, oldest first."""
        return [batch for batch in list(self.history) if batch.mapping_uuid == mapping_uuid]

    # -- life cycle ------------------------------------------------------------------------------------------
    def _listen(self, callback: Callable[[], None] | None) -> None:
        """A record written to a mapped stream wakes the poller."""
        moto_patch.listen(callback)

    def _busy(self) -> bool:
        return any(lane.in_flight for lane in self._lanes.values())

    def _forget(self) -> None:
        """Forget every shard's position, so a restart reads from each mapping's StartingPosition again."""
        self._lanes.clear()
        self._arrivals.clear()

    # -- waiting ---------------------------------------------------------------------------------------------
    def idle(self) -> bool:
        """True when no batch is in flight and every lane of every enabled mapping has read all its records."""
        for found in stream_mappings():
            if not found.mapping.enabled:
                continue
            config = config_of(found.mapping)
            for shard_id in found.shard_ids():
                records = found.records(shard_id)
                for index in range(config.parallelization):
                    with self._lock:
                        lane = self._lane(found, config, shard_id, index, records)
                        if lane.has_work(records, index, config.parallelization):
                            return False
        return True

    # -- polling ---------------------------------------------------------------------------------------------
    def _poll(self) -> None:
        for found in stream_mappings():
            if found.mapping.enabled and not self._stopping.is_set():
                config = config_of(found.mapping)
                for shard_id in found.shard_ids():
                    self._poll_shard(found, config, shard_id)

    def _poll_shard(self, found: StreamMapping, config: StreamConfig, shard_id: str) -> None:
        records = found.records(shard_id)
        for record in records:
            self._arrival(found, shard_id, record)
        now = self.clock.now()
        for index in range(config.parallelization):
            with self._lock:
                lane = self._lane(found, config, shard_id, index, records)
                batch = lane.next_batch(records, index, config, now)
                if batch is None:
                    continue
                lane.in_flight = True
            self._dispatch(_Job(found, config, shard_id, lane, list(batch)))

    def _lane(self, found: StreamMapping, config: StreamConfig, shard_id: str, index: int,
              records: list[SourceRecord]) -> Lane:
        key = (found.uuid, shard_id, config.parallelization, index)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = Lane(checkpoint=self._start(found, config, shard_id, records))
        return lane

    def _start(self, found: StreamMapping, config: StreamConfig, shard_id: str, records: list[SourceRecord]) -> int:
        """The checkpoint a new lane starts from: StartingPosition, as the mapping was created with it."""
        if config.starting_position == "LATEST":
            latest = moto_patch.latest_position(found.uuid, shard_id)
            return latest if latest is not None else max((r.seq for r in records), default=0)
        if config.starting_position == "AT_TIMESTAMP" and config.starting_timestamp is not None:
            return max((r.seq for r in records if r.stored_at < config.starting_timestamp), default=0)
        return 0  # TRIM_HORIZON: the oldest record the shard still holds

    def _arrival(self, found: StreamMapping, shard_id: str, record: SourceRecord) -> float:
        """When a record reached the stream, on the sandbox's clock (fixed when the poller first sees it)."""
        key = (found.stream_arn, shard_id, record.sequence_number)
        arrival = self._arrivals.get(key)
        if arrival is None:
            arrival = self._arrivals[key] = record.stored_at + (self.clock.now() - time.time())
        return arrival

    def _dispatch(self, job: _Job) -> None:
        assert self._pool is not None
        try:
            future = self._pool.submit(self._process, job)
        except RuntimeError:  # the pool was shut down by stop(): the lane is forgotten with everything else
            self._release(job.lane)
            return
        future.add_done_callback(_log_failure)

    def _release(self, lane: Lane) -> None:
        with self._changed:
            lane.in_flight = False
            self._changed.notify_all()
        self._wake.set()

    # -- one batch -------------------------------------------------------------------------------------------
    def _process(self, job: _Job) -> None:
        """Run one batch; if the sandbox fails meanwhile, the batch stays current and is tried again after a pause."""
        handled = False
        try:
            batch = self._drop_expired(job)
            if batch:
                self._invoke(job, batch)
            handled = True
        finally:  # the error itself reaches _log_failure through the future
            if not handled:
                job.lane.resume_at = self.clock.now() + RETRY_PAUSE_S
            self._release(job.lane)

    def _drop_expired(self, job: _Job) -> list[SourceRecord]:
        """Give up the batch's records older than the mapping allows; return what is left of the batch."""
        now, lane = self.clock.now(), job.lane
        limit = job.config.age_limit(job.found.retention_s())
        expired = 0
        for record in job.batch:
            if now - self._arrival(job.found, job.shard_id, record) <= limit:
                break
            expired += 1
        if expired:
            with self._lock:
                self._give_up(job, job.batch[:expired], failures.RECORD_AGE_EXCEEDED, lane.attempts)
                lane.finish(expired)
        return job.batch[expired:]

    def _invoke(self, job: _Job, batch: list[SourceRecord]) -> None:
        fn = alias_routing.routed_target(job.found.functions, job.found.mapping.function_arn)  # weighted aliases split
        sent_at = self.clock.now()
        payload = events.event(job.found.kind, batch, job.shard_id,
                               lambda record: self._arrival(job.found, job.shard_id, record),
                               job.found.stream_arn, str(fn.role), job.found.mapping.region)
        age_ms = int(max(0.0, sent_at - self._arrival(job.found, job.shard_id, batch[-1])) * 1000)
        attempt = job.lane.attempts + 1
        try:
            outcome = self.runtime.invoke(fn, json.dumps(payload).encode(), job.found.mapping.function_arn)
        except InvokeError as error:
            self._record(job, batch, "throttled" if error.code == "TooManyRequestsException" else "error",
                         attempt, age_ms, sent_at)
            job.lane.resume_at = self.clock.now() + RETRY_PAUSE_S
            return
        result = failures.verdict(outcome.function_error, outcome.payload, batch, job.config.report_failures)
        self._record(job, batch, result.outcome, attempt, age_ms, sent_at)
        with self._lock:
            job.lane.last = LastInvocation(outcome.request_id, outcome.function_error, str(fn.version))
            self._settle(job, batch, result)

    def _settle(self, job: _Job, batch: list[SourceRecord], result: Verdict) -> None:
        """Move the lane on after an invocation (called with the lock held)."""
        lane, config = job.lane, job.config
        if result.done == len(batch):
            lane.finish(len(batch))
            return
        if result.outcome == "function_error" and config.bisect and len(batch) > 1:
            lane.split()
            return
        lane.finish(result.done)
        lane.attempts += 1
        if config.retries_exhausted(lane.attempts):
            rest = batch[result.done:]
            self._give_up(job, rest, failures.RETRIES_EXHAUSTED, lane.attempts)
            lane.finish(len(rest))
        else:
            lane.resume_at = self.clock.now() + RETRY_PAUSE_S

    def _give_up(self, job: _Job, records: list[SourceRecord], condition: str, attempts: int) -> None:
        """Send the on-failure record for records the lane moves past without success (if a destination is set)."""
        now = self.clock.now()
        if job.config.on_failure is not None and self._may_send(job, job.config.on_failure):
            function_arn = job.found.mapping.function_arn
            arrivals = [self._arrival(job.found, job.shard_id, record) for record in records]
            document = failures.invocation_record(job.found.kind, function_arn, condition, attempts, job.shard_id,
                                                  records, arrivals, job.found.stream_arn, now, job.lane.last)
            failures.send(job.config.on_failure, document)  # first: a destination that fails keeps the records
        self.discarded.append(Discard(job.found.uuid, job.shard_id, [r.sequence_number for r in records],
                                      condition, now))

    def _may_send(self, job: _Job, destination: str) -> bool:
        """Whether the execution role may send to the destination; when not, the record is not sent, loudly."""
        fn = job.found.functions.get_function(job.found.mapping.function_arn)
        if role_access.allowed(fn, failures.send_action(destination), destination):
            return True
        log.warning("Lambda could not send the on-failure record of %s to %s: the execution role %s may not "
                    "(%s). The records are given up all the same.", fn.function_name, destination, fn.role,
                    failures.send_action(destination))
        return False

    def _record(self, job: _Job, batch: list[SourceRecord], outcome: str, attempt: int, age_ms: int,
                sent_at: float) -> None:
        self.history.append(StreamBatch(job.found.uuid, job.shard_id, [r.sequence_number for r in batch], outcome,
                                        attempt, age_ms, sent_at))
