"""The engine's timers wait for a moment of sandbox time fixed when they are set, not when its loop gets to them.

A notebook that sees a wait begin (WaitStarted in the history) and moves the clock past it at once must see the
execution resume: https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk.html (a wait suspends the
execution until its duration has passed). The engine's loop may start the timer's coroutine a little after the
wait was recorded; a clock moved in between must still count.
"""

from __future__ import annotations

import threading
import time

from localaws.durable.timing import ClockScheduler
from localaws.runtime.clock import Clock


def test_a_clock_moved_before_the_loop_starts_the_timer_still_ends_the_wait():
    clock = Clock()
    fired = threading.Event()
    with ClockScheduler(clock) as scheduler:
        scheduler.call_later(lambda: time.sleep(0.5), 0)  # the loop is busy when the timer is set
        scheduler.call_later(fired.set, 3600)
        clock.advance(3600)  # the hour passes before the loop has started the timer's coroutine
        assert fired.wait(5), "the wait should end: its hour of sandbox time has passed"


def test_a_timer_does_not_end_before_its_time():
    clock = Clock()
    fired = threading.Event()
    with ClockScheduler(clock) as scheduler:
        scheduler.call_later(fired.set, 3600)
        time.sleep(0.2)
        clock.advance(3590)
        assert not fired.wait(0.5)
        clock.advance(10)
        assert fired.wait(5)
