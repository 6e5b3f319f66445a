"""The life cycle every event source poller shares (localaws.eventsources.background), on a poller with no AWS.

A small poller whose "batches" are tasks the test releases: stop waits for the batch in flight and then forgets
the poller's state, a poll that raises leaves the thread running, and wait_idle waits for the other waiter too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from localaws.eventsources.background import BackgroundPoller
from localaws.runtime.clock import Clock

log = logging.getLogger(__name__)


class _TaskPoller(BackgroundPoller):
    """Runs each queued task as a batch on the worker pool; a task of None makes the poll raise."""

    threads, label = "task", "task"

    def __init__(self, clock: Clock) -> None:
        super().__init__(SimpleNamespace(clock=clock), log, interval=0.02, workers=2)
        self.queued: list[Callable[[], None] | None] = []
        self.in_flight = 0
        self.forgotten = False
        self.listening: list[object] = []

    def _listen(self, callback: Callable[[], None] | None) -> None:
        self.listening.append(callback)

    def _poll(self) -> None:
        while self.queued:
            task = self.queued.pop(0)
            if task is None:
                raise RuntimeError("the source fell over")
            with self._lock:
                self.in_flight += 1
            assert self._pool is not None
            self._pool.submit(self._run_task, task)

    def _run_task(self, task: Callable[[], None]) -> None:
        try:
            task()
        finally:
            with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def idle(self) -> bool:
        with self._lock:
            return not self.queued and self.in_flight == 0

    def _busy(self) -> bool:
        return self.in_flight > 0

    def _forget(self) -> None:
        self.forgotten = True


@pytest.fixture
def poller():
    clock = Clock()
    made = _TaskPoller(clock)
    made.start()
    yield made
    made.stop(timeout=2)
    clock.stop()


def test_stop_waits_for_the_batch_in_flight_then_forgets_the_state(poller):
    release, finished = threading.Event(), threading.Event()
    poller.queued.append(lambda: (release.wait(5), finished.set()))
    poller.wake()
    assert not poller.wait_idle(0.2)  # the batch holds the poller busy
    threading.Timer(0.2, release.set).start()
    poller.stop(timeout=5)
    assert finished.is_set() and poller.forgotten
    assert poller.listening == [poller.wake, None]  # the seam wakes it while it runs, and no longer


def test_a_poll_that_raises_is_logged_and_the_next_one_runs(poller, caplog):
    ran = threading.Event()
    with caplog.at_level(logging.ERROR, logger=__name__):
        poller.queued.extend([None, ran.set])
        poller.wake()
        assert ran.wait(5)
    assert any(record.getMessage() == "task poll failed" and record.exc_info for record in caplog.records)


def test_wait_idle_waits_for_the_other_waiter_and_gives_up_at_the_timeout(poller):
    other_done = time.monotonic() + 0.3
    assert poller.wait_idle(5, also=lambda _seconds: time.monotonic() >= other_done)
    assert time.monotonic() >= other_done
    started = time.monotonic()
    assert not poller.wait_idle(0.2, also=lambda _seconds: False)
    assert time.monotonic() - started < 2
