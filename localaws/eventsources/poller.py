"""The SQS poller: reads batches from queues that have event source mappings and invokes their functions.

One background thread per sandbox looks at every mapping, wakes when a message arrives and otherwise every
`interval` seconds. For each enabled mapping it receives a batch when `BatchSize` messages are visible, or when
the first visible message has waited `MaximumBatchingWindowInSeconds` (at once for a window of 0), and runs it
on a worker thread, up to a few batches per mapping at once. Receiving goes through moto's own ReceiveMessage,
so a message's receive count, its visibility timeout, FIFO message-group locking and the queue's RedrivePolicy
(a message received `maxReceiveCount` times moves to the dead-letter queue) all behave as moto implements them.
After the invocation the poller deletes what succeeded; everything else stays in flight until its visibility
timeout ends and then reappears, as on Lambda.

Time is the sandbox's clock throughout: while it runs, the poller makes its clock the one moto's SQS reads
(localaws.eventsources.sqs_clock), so visibility timeouts, delays and retention move with `clock.advance()`,
and the batching window, the pause after a throttle and the times in `history` are measured on it too. A move
of the clock wakes the poller, so what it made visible is received at once.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localaws.eventsources import batch_response, moto_patch, sqs_clock, sqs_event
from localaws.eventsources.background import BackgroundPoller
from localaws.eventsources.mappings import SqsMapping, sqs_mappings
from localaws.facts import value
from localaws.runtime import alias_routing
from localaws.runtime.errors import InvokeError

log = logging.getLogger(__name__)
THROTTLE_PAUSE_S = 0.5  # how long the sandbox's poller waits before polling a throttled mapping again
HISTORY_LENGTH = 1000


@dataclass
class BatchRecord:
    """What happened to one batch: for notebooks to show and tests to check."""

    mapping_uuid: str
    queue_arn: str
    message_ids: list[str]
    kept: list[str]
    outcome: str  # ok, partial, function_error, invalid_response, throttled, error
    started: float  # seconds since the epoch on the sandbox's clock
    finished: float


@dataclass
class _State:
    in_flight: int = 0
    window_started: float | None = None  # clock time
    resume_at: float = 0.0  # clock time


@dataclass
class _Batch:
    source: SqsMapping
    messages: list[Any]
    started: float  # clock time


def _concurrency(mapping: Any) -> int:
    """Batches one mapping may have in flight: Lambda's starting figure, or the mapping's lower maximum."""
    initial = int(value("sqs_poller_initial_concurrency"))
    configured = (mapping.scaling_config or {}).get("MaximumConcurrency")
    return min(initial, int(configured)) if configured else initial


class SqsPoller(BackgroundPoller):
    """Polls every SQS event source mapping of the sandbox and invokes the mapped functions with batches."""

    threads, label, idle_recheck = "sqs", "SQS", 0.5

    def __init__(self, runtime: Any, interval: float = 0.05, workers: int = 8) -> None:
        super().__init__(runtime, log, interval, workers)
        self.history: deque[BatchRecord] = deque(maxlen=HISTORY_LENGTH)
        self._states: dict[str, _State] = {}
        self._in_flight = 0

    # -- life cycle ------------------------------------------------------------------------------------------
    def _before_start(self) -> None:
        """Put SQS on the sandbox's clock while polling, so visibility timeouts move with it."""
        sqs_clock.follow(self.clock)

    def _after_stop(self) -> None:
        sqs_clock.release(self.clock)

    def _listen(self, callback: Callable[[], None] | None) -> None:
        """A message sent to a mapped queue wakes the poller."""
        moto_patch.listen(callback)

    def _busy(self) -> bool:
        return self._in_flight > 0

    def _forget(self) -> None:
        self._states.clear()
        self._in_flight = 0

    def idle(self) -> bool:
        """True when no batch is in flight and no queue with an enabled mapping has a visible message."""
        with self._lock:
            if self._in_flight:
                return False
        return not any(found.mapping.enabled and moto_patch.visible_count(found.queue) for found in sqs_mappings())

    # -- polling -----------------------------------------------------------------------------------------------
    def _poll(self) -> None:
        seen = set()
        for found in sqs_mappings():
            seen.add(found.uuid)
            self._poll_mapping(found)
        with self._lock:
            for uuid in [uuid for uuid, state in self._states.items() if uuid not in seen and not state.in_flight]:
                del self._states[uuid]

    def _poll_mapping(self, found: SqsMapping) -> None:
        with self._lock:
            state = self._states.setdefault(found.uuid, _State())
        if not found.mapping.enabled:
            state.window_started = None
            return
        while not self._stopping.is_set() and self.clock.now() >= state.resume_at:
            if state.in_flight >= _concurrency(found.mapping):
                return
            messages = self._take(found, state)
            if not messages:
                return
            self._dispatch(found, state, messages)

    def _take(self, found: SqsMapping, state: _State) -> list[Any]:
        """Receive a batch if one is due: full, or its window has passed; otherwise nothing."""
        queue, mapping = found.queue, found.mapping
        visible = moto_patch.visible_count(queue)
        if not visible:
            state.window_started = None
            return []
        window = float(mapping.max_batch_window or 0)
        if visible < mapping.batch_size and window > 0:
            now = self.clock.now()
            if state.window_started is None:
                state.window_started = now
            if now - state.window_started < window:
                return []
        state.window_started = None
        with queue._messages_lock:  # moto's queue lock: keeps SendMessage from racing our receive and delete
            if queue.fifo_queue:
                moto_patch.release_timed_out(queue)
            return found.sqs.receive_message(queue.name, mapping.batch_size, 0, int(queue.visibility_timeout or 0),
                                             ["All"])

    def _dispatch(self, found: SqsMapping, state: _State, messages: list[Any]) -> None:
        assert self._pool is not None
        with self._lock:
            state.in_flight += 1
            self._in_flight += 1
        try:
            self._pool.submit(self._process, _Batch(found, messages, self.clock.now()), state)
        except RuntimeError:  # the pool was shut down by stop(); the messages reappear after their timeout
            self._finish(state)

    # -- one batch ---------------------------------------------------------------------------------------------
    def _process(self, batch: _Batch, state: _State) -> None:
        ids = {message.id for message in batch.messages}
        keep, outcome = set(ids), "error"
        try:
            keep, outcome = self._invoke(batch, ids, state)
            self._delete(batch, ids - keep)
        except Exception:  # logged; the batch counts as an error and its messages reappear after their timeout
            log.exception("SQS batch failed in the sandbox")
            keep, outcome = set(ids), "error"  # never recorded as a success, even if the failure came late
        finally:
            order = [message.id for message in batch.messages]
            self.history.append(BatchRecord(batch.source.uuid, batch.source.queue.queue_arn, order,
                                            [i for i in order if i in keep], outcome, batch.started,
                                            self.clock.now()))
            self._finish(state)

    def _invoke(self, batch: _Batch, ids: set[str], state: _State) -> tuple[set[str], str]:
        from moto.core.exceptions import JsonRESTError  # moto loads at sandbox start: start-up time

        mapping = batch.source.mapping
        try:
            fn = alias_routing.routed_target(batch.source.functions, mapping.function_arn)  # a weighted alias splits
        except JsonRESTError:  # the function was deleted: the batch fails, as on Lambda
            return set(ids), "error"
        payload = sqs_event.event(batch.messages, batch.source.queue.queue_arn, mapping.region)
        try:
            outcome = self.runtime.invoke(fn, json.dumps(payload).encode(), mapping.function_arn)
        except InvokeError as error:
            if error.code != "TooManyRequestsException":
                return set(ids), "error"
            state.resume_at = self.clock.now() + THROTTLE_PAUSE_S
            return set(ids), "throttled"
        return batch_response.messages_to_keep(outcome.function_error, outcome.payload, ids,
                                               mapping.function_response_types)

    def _delete(self, batch: _Batch, done: set[str]) -> None:
        from moto.core.exceptions import ServiceException  # moto loads at sandbox start: start-up time

        queue = batch.source.queue
        with queue._messages_lock:
            for message in batch.messages:
                if message.id in done:
                    try:
                        batch.source.sqs.delete_message(queue.name, message.receipt_handle)
                    except ServiceException:  # the queue was purged or deleted meanwhile
                        pass

    def _finish(self, state: _State) -> None:
        with self._changed:
            state.in_flight = max(0, state.in_flight - 1)
            self._in_flight = max(0, self._in_flight - 1)
            self._changed.notify_all()
        self._wake.set()
