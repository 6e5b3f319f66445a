"""The sandbox's clock: real time plus an offset that notebooks and tests can move forward.

Things AWS does later (retrying a failed asynchronous invocation after a minute, firing a `rate(5 minutes)`
rule) are scheduled on this clock. They happen on their own as real time passes, or at once when
`advance(seconds)` moves the clock past them, so a learner can see a whole day of schedules in a second.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

Tick = Callable[[float, float], object]  # called with (previous clock time, current clock time); result unused


class Clock:
    """A clock whose timers fire in order, on a background thread, as (clock) time reaches them."""

    def __init__(self, tick_interval: float = 1.0) -> None:
        self._offset = 0.0
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._ticks: list[Tick] = []
        self._cond = threading.Condition()
        self._tick_interval = tick_interval
        self._last_tick = self.now()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="sandbox-clock", daemon=True)
        self._thread.start()

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees it."""
        return time.time() + self._offset

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run callback when the clock has moved `delay` seconds on from now."""
        with self._cond:
            heapq.heappush(self._timers, (self.now() + delay, next(self._order), callback))
            self._cond.notify_all()

    def on_tick(self, tick: Tick) -> None:
        """Call `tick(previous, now)` about every second and after every advance (for schedules)."""
        with self._cond:
            self._ticks.append(tick)

    def advance(self, seconds: float) -> None:
        """Move the clock forward; every timer and schedule due by then fires before this returns."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._cond:
            self._offset += seconds
        self._fire_due()

    def pending(self) -> int:
        """How many timers are waiting for their time."""
        with self._cond:
            return len(self._timers)

    def _fire_due(self) -> None:
        while True:
            with self._cond:
                if not self._timers or self._timers[0][0] > self.now():
                    previous, self._last_tick = self._last_tick, self.now()
                    ticks = list(self._ticks)
                    break
                _, _, callback = heapq.heappop(self._timers)
            callback()
        for tick in ticks:
            tick(previous, self._last_tick)

    def _run(self) -> None:
        while self._running:
            with self._cond:
                wait = self._tick_interval
                if self._timers:
                    wait = max(0.0, min(wait, self._timers[0][0] - self.now()))
                self._cond.wait(wait)
            if self._running:
                self._fire_due()

    def stop(self) -> None:
        """Stop firing timers (the sandbox is stopping)."""
        with self._cond:
            self._running = False
            self._timers.clear()
            self._cond.notify_all()
