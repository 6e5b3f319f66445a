"""The thread and worker pool that every event source poller runs on: start, stop, wake and wait until idle.

A poller (SQS in `localaws.eventsources.poller`, Kinesis and DynamoDB Streams in
`localaws.eventsources.streams.poller`) subclasses `BackgroundPoller` and says what one poll does, what
counts as idle, which moto seam wakes it and what it forgets on stop. One background thread polls when woken
(a new message or record, a move of the sandbox's clock, a finished batch) and otherwise every `interval`
seconds; batches run on a pool of worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from localaws.runtime.clock import Clock


class BackgroundPoller(ABC):
    """One polling thread and one worker pool, with the life cycle and waiting every event source shares."""

    threads: ClassVar[str]  # names the threads: "sqs" gives "sqs-poller" and "sqs-batch_0"...
    label: ClassVar[str]  # names the poller in the log: "SQS poll failed"
    idle_recheck: ClassVar[float] = 1.0  # while waiting for idle, look again after this share of `interval`

    def __init__(self, runtime: Any, log: logging.Logger, interval: float = 0.05, workers: int = 8) -> None:
        self.runtime, self.interval, self.workers = runtime, interval, workers
        self.clock: Clock = runtime.clock
        self._log = log
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.clock.on_tick(lambda _previous, _now: self.wake())  # a move of the clock may make work due

    # -- what a poller says about itself -------------------------------------------------------------------
    @abstractmethod
    def _listen(self, callback: Callable[[], None] | None) -> None:
        """Have the poller's moto seam call `callback` when new work arrives (None: stop calling)."""

    @abstractmethod
    def _poll(self) -> None:
        """Look at every mapping once and dispatch the batches that are due."""

    @abstractmethod
    def idle(self) -> bool:
        """True when no batch is in flight and no enabled mapping has work waiting."""

    @abstractmethod
    def _busy(self) -> bool:
        """True while a batch is in flight (called with the lock held)."""

    @abstractmethod
    def _forget(self) -> None:
        """Drop every mapping's state after a stop (called with the lock held)."""

    def _before_start(self) -> None:
        """Prepare what the poller needs before its thread runs (nothing by default)."""
        return None

    def _after_stop(self) -> None:
        """Undo what `_before_start` did (nothing by default)."""
        return None

    # -- life cycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start polling (again, after stop); new work on a mapped source wakes the poller at once."""
        if self._thread is not None:
            return
        self._before_start()
        self._stopping.clear()
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"{self.threads}-batch")
        self._thread = threading.Thread(target=self._run, name=f"{self.threads}-poller", daemon=True)
        self._thread.start()
        self._listen(self.wake)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling, wait (up to timeout) for the batches in flight, and forget every mapping's state."""
        if self._thread is None:
            return
        self._listen(None)
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        with self._changed:
            self._changed.wait_for(lambda: not self._busy(), timeout)
        assert self._pool is not None
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._changed:
            self._forget()
            self._changed.notify_all()
        self._thread = self._pool = None
        self._after_stop()

    def wake(self) -> None:
        """Poll now rather than at the next interval (new work arrived, the clock moved, or a batch finished)."""
        self._wake.set()

    # -- waiting ---------------------------------------------------------------------------------------------
    def wait_idle(self, timeout: float = 30.0, also: Callable[[float], bool] | None = None) -> bool:
        """Wait until idle (and `also(seconds)`, another waiter, reports idle too); False after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if also is not None:
                also(max(0.0, deadline - time.monotonic()))
            if self.idle() and (also is None or also(0)):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                self._changed.wait(min(remaining, self.interval * self.idle_recheck))

    # -- polling ---------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self._poll()
            except Exception:  # logged; a poll must never end the thread, and the next one starts afresh
                self._log.exception("%s poll failed", self.label)
            self._wake.wait(self.interval)
