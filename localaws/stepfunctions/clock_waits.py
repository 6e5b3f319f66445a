"""Step Functions' waiting on the sandbox's clock: Wait states, retry intervals and an execution's time limit.

moto's interpreter sleeps in real time; these replacements wait until the sandbox's clock reaches the same moment
instead, so `sb.clock.advance(3600)` ends a Wait of an hour at once, while nothing changes when the clock is left
alone. The history's timestamps come from the same clock, so a Wait of an hour shows as an hour there.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
from moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl import MaxAttemptsOutcome
from moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome import RetrierOutcome
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

from localaws import facts
from localaws.runtime.clock import Clock

POLL_S = 0.2  # how often a waiting state checks that its execution still runs (stopped, failed, timed out)
_clock: list[Clock] = []  # the running sandbox's clock, set by use_clock()


def use_clock(clock: Clock) -> None:
    """Make every wait of the interpreter wait on `clock` (the sandbox's)."""
    _clock[:] = [clock]


def clock() -> Clock:
    """The sandbox's clock; a RuntimeError if Step Functions' patches were installed without one."""
    if not _clock:
        raise RuntimeError("Step Functions has no sandbox clock to wait on: start the sandbox first.")
    return _clock[0]


def sleep_on_clock(env: Any, seconds: float) -> None:
    """Wait until the sandbox's clock has moved `seconds` on, or the execution stops running."""
    if seconds <= 0:
        return
    due = threading.Event()
    clock().call_later(seconds, due.set)
    while not due.wait(POLL_S):
        if not env.is_running():
            return


def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
    """WaitFunction._wait_interval: a Wait state's pause, on the sandbox's clock."""
    sleep_on_clock(env, wait_seconds)


def timestamp_wait_seconds(self: Any, env: Any) -> int:
    """Timestamp._get_wait_seconds: seconds from the sandbox's now (UTC) to the Timestamp the state names."""
    self.string.eval(env=env)
    timestamp_str: str = env.stack.pop()
    timestamp = self._from_timestamp_string(timestamp=timestamp_str)
    if timestamp is None:
        raise FailureEventException(self._create_failure_event(env, timestamp_str))
    return int(timestamp.replace(tzinfo=UTC).timestamp() - clock().now())


def retrier_eval_body(self: Any, env: Any) -> None:
    """RetrierDecl._eval_body: moto's retry policy, with the interval before the next attempt on the clock."""
    self.error_equals.eval(env)
    if not env.stack.pop():  # this retrier does not match the error
        env.stack.append(RetrierOutcome.Skipped)
        return
    self.max_attempts.eval(env=env)
    if env.stack.pop() == MaxAttemptsOutcome.EXHAUSTED:
        env.stack.append(RetrierOutcome.Failed)
        return
    self.interval_seconds.eval(env=env)  # IntervalSeconds, then x BackoffRate^n, capped by MaxDelaySeconds,
    self.backoff_rate.eval(env=env)  # then drawn from [0, interval] with JitterStrategy FULL
    self.max_delay_seconds.eval(env=env)
    self.jitter_strategy.eval(env=env)
    sleep_on_clock(env, env.stack.pop())
    env.stack.append(RetrierOutcome.Executed)


def current_timestamp() -> datetime:
    """EventManager._get_current_timestamp: the sandbox's time, for history events."""
    return datetime.fromtimestamp(clock().now(), tz=UTC)


def time_limit(program: Any, env: Any) -> float:
    """Seconds an execution may run: its TimeoutSeconds, within the longest run its type allows.

    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html
    """
    express = str(getattr(env, "execution_type", "")) in ("EXPRESS", "StateMachineType.EXPRESS")
    limit = float(facts.value("stepfunctions_express_duration_limit_s" if express else
                              "stepfunctions_standard_duration_limit_s"))
    declared = program.timeout_seconds.timeout_seconds if program.timeout_seconds else None
    return limit if declared is None else min(limit, float(declared))


def program_eval(self: Any, env: Any) -> None:
    """Program.eval: run the states on a worker thread and time the execution out on the sandbox's clock."""
    env.next_state_name = self.start_at.start_at_name
    ended = threading.Event()

    def run() -> None:
        try:
            EvalComponent.eval(self, env)
        finally:
            ended.set()

    worker = threading.Thread(target=run, name="sfn-execution", daemon=True)
    worker.start()
    clock().call_later(time_limit(self, env), ended.set)
    ended.wait()
    if worker.is_alive():
        env.set_timed_out()


__all__ = ["clock", "current_timestamp", "program_eval", "retrier_eval_body", "sleep_on_clock",
           "time_limit", "timestamp_wait_seconds", "use_clock", "wait_interval"]
