"""SQS on the sandbox's clock: visibility timeouts, delays, retention and long polls move with `advance()`.

moto's SQS reads the time only through `unix_time` and `unix_time_millis`, names it imports into
`moto.sqs.models`. Both are seams (declared in localaws.seams) whose replacements read the active clock, so a
message's SentTimestamp and ApproximateFirstReceiveTimestamp, the end of its visibility timeout or delay, its
age against the retention period and the end of a long poll are all clock time. Other services keep real time.

Which clock: moto's state belongs to the whole process, so SQS follows one clock per process, the *active* one.
The sandbox's SQS poller makes its sandbox's clock active when it starts and releases it when it stops (at
reset and at stop), which gives back the clock that was active before, or real time (moto's own) when there
is none. Between the two, during a reset, no queue survives to notice.

Whenever the active clock ticks (about every second, and before `advance()` returns) messages past their
retention period are deleted, and every long poll looks at its queue again: one whose wait a move of the clock
made a message visible in returns it at once, and one whose wait the move ended answers empty within a second
(moto waits on its queue in steps of a second of real time), never after the rest of its real wait.
"""

from __future__ import annotations

import datetime
import threading
import time
import weakref

from localaws import seams
from localaws.eventsources import sqs_retention
from localaws.runtime.clock import Clock

_UNIX_TIME = "moto.sqs.models:unix_time"
_UNIX_TIME_MILLIS = "moto.sqs.models:unix_time_millis"
_lock = threading.Lock()
_followed: list[Clock] = []  # the clocks followed, oldest first; the last one is active
_hooked: weakref.WeakSet[Clock] = weakref.WeakSet()  # clocks whose ticks already reach SQS


def active() -> Clock | None:
    """The clock SQS reads now, or None when it reads real time."""
    with _lock:
        return _followed[-1] if _followed else None


def now() -> float:
    """Seconds since the epoch on the active clock (real time without one)."""
    clock = active()
    return clock.now() if clock is not None else time.time()


def now_ms() -> float:
    """Milliseconds since the epoch on the active clock, the unit moto's SQS keeps its timestamps in."""
    return now() * 1000.0


def _unix_time(dt: datetime.datetime | None = None) -> float:
    """Replacement for moto.sqs.models.unix_time: the active clock's time; a given datetime converts as before."""
    if dt is not None:
        return float(seams.original(_UNIX_TIME)(dt))
    return now()


def _unix_time_millis(dt: datetime.datetime | None = None) -> float:
    """Replacement for moto.sqs.models.unix_time_millis: the same, in milliseconds."""
    return _unix_time(dt) * 1000.0


def install() -> None:
    """Make moto's SQS read the time through this module (idempotent); real time until a clock is followed."""
    seams.verify()
    seams.patch(_UNIX_TIME, _unix_time)
    seams.patch(_UNIX_TIME_MILLIS, _unix_time_millis)


def uninstall() -> None:
    """Give moto's SQS back its own clock functions."""
    seams.restore(_UNIX_TIME)
    seams.restore(_UNIX_TIME_MILLIS)


def follow(clock: Clock) -> None:
    """Make `clock` the one SQS reads, until `release(clock)`."""
    install()
    with _lock:
        _followed.append(clock)
        hook = clock not in _hooked
        _hooked.add(clock)
    if hook:
        clock.on_tick(lambda previous, current: _ticked(clock))


def release(clock: Clock) -> None:
    """Stop following `clock`: SQS goes back to the clock followed before it, or to real time."""
    with _lock:
        for index in range(len(_followed) - 1, -1, -1):
            if _followed[index] is clock:
                del _followed[index]
                return


def _ticked(clock: Clock) -> None:
    """After the active clock moved: delete what outlived its retention period, and wake every long poll."""
    if active() is not clock:
        return
    current = now_ms()
    for queue in sqs_retention.every_queue():
        sqs_retention.drop_expired(queue, current)
        with queue._messages_lock:  # long polls wait on this condition: they look at the queue again
            queue._messages_lock.notify_all()
