"""The durable execution engine's time, on the sandbox clock: waits and retries end when `sb.clock.advance` passes them.

The engine reads the time through a `Clock` (now, and how long to wait for a moment) and waits through its
`Scheduler`. Both are given the sandbox's clock here, so a `context.wait` of an hour ends after an hour of sandbox
time: in real time, or at once when a notebook moves the clock.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from aws_durable_execution_sdk_python_testing.scheduler import Event, Scheduler

from localaws.runtime.clock import Clock as SandboxClock


class EngineClock:
    """The engine's Clock protocol over the sandbox clock: `arm` answers in sandbox seconds."""

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock

    def now(self) -> datetime.datetime:
        """The sandbox's time, as an aware UTC datetime (the engine stamps history with it)."""
        return datetime.datetime.fromtimestamp(self._clock.now(), datetime.UTC)

    def arm(self, wake: datetime.datetime) -> float:
        """Sandbox seconds from now until `wake` (0 when it has passed); the scheduler waits them on the clock."""
        return max((wake - self.now()).total_seconds(), 0.0)


class ClockScheduler(Scheduler):
    """The engine's scheduler, whose delayed calls wait on the sandbox clock instead of sleeping in real time."""

    def __init__(self, clock: SandboxClock) -> None:
        super().__init__()
        self._sandbox_clock = clock

    def call_later(self, func: Callable[[], Any], delay: float = 0, count: int | None = 1,
                   completion_event: Event | None = None) -> Future[Any]:
        """Run `func` once `delay` seconds of sandbox time have passed (repeating calls keep real time)."""
        if delay <= 0 or count != 1:
            return super().call_later(func, delay, count, completion_event)
        # The moment is fixed now, on the sandbox clock: the coroutine below starts on the engine's loop a little
        # later, and a clock moved meanwhile (a notebook's advance right after the wait began) must count.
        due_at = self._sandbox_clock.now() + delay

        async def when_due() -> Any:
            due: asyncio.Future[None] = self._loop.create_future()
            self._sandbox_clock.call_later(max(due_at - self._sandbox_clock.now(), 0.0), lambda: self._release(due))
            await due
            if inspect.iscoroutinefunction(func):
                return await func()
            return await asyncio.to_thread(func)

        return super().call_later(when_due, 0, 1, completion_event)

    def _release(self, due: asyncio.Future[None]) -> None:
        """Wake the coroutine waiting for `due`, on the engine's loop (called from the clock's thread)."""

        def settle() -> None:
            if not due.done():  # a cancelled wake-up (the engine re-armed it) stays cancelled
                due.set_result(None)

        if self._loop.is_closed():  # the engine stopped before its timer came due: nothing waits any more
            return
        try:
            self._loop.call_soon_threadsafe(settle)
        except RuntimeError:  # the loop closed between the check and the call: the same, nothing waits
            return
