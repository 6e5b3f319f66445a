"""A Task's HeartbeatSeconds counted on the sandbox's clock.

A task waiting for its token fails with States.Timeout when no heartbeat came within HeartbeatSeconds, as real time
passes and also at once when the clock is moved past it, like the other waits of an execution
(https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html). TimeoutSeconds stays on real time.
"""

from __future__ import annotations

import threading
from typing import Any

from localaws.stepfunctions.clock_waits import POLL_S, clock


def heartbeat_clear_and_wait(self: Any) -> bool:
    """HeartbeatEndpoint.clear_and_wait: whether a heartbeat (or the outcome) came within HeartbeatSeconds."""
    with self._mutex:
        if self._next_heartbeat_event.is_set():
            self._next_heartbeat_event.clear()
            return True
    due = threading.Event()
    clock().call_later(self._heartbeat_seconds, due.set)
    while not self._next_heartbeat_event.wait(POLL_S):
        if due.is_set():
            return False
    return True


__all__ = ["heartbeat_clear_and_wait"]
