"""The executions this sandbox started, so that tests and chapters can wait for one and reset can stop them all.

Kept free of moto imports: the sandbox's reset reaches it whether or not Step Functions was ever called.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

_lock = threading.Lock()
_executions: dict[str, Any] = {}  # execution ARN -> moto's Execution object, Standard and Express alike
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class ExecutionResult:
    """How an execution ended, as DescribeExecution reports it (Express ones included, which that API refuses)."""

    arn: str
    status: str
    output: str | None
    error: str | None
    cause: str | None


class ExecutionStillRunning(TimeoutError):
    """An execution had not finished when the wait gave up."""


def track(execution: Any) -> None:
    """Remember an execution that has just started."""
    with _lock:
        _executions[execution.exec_arn] = execution


def status_of(execution: Any) -> str:
    """The execution's status as a plain string (RUNNING until moto's worker reports the end)."""
    status = execution.exec_status
    return "RUNNING" if status is None else str(getattr(status, "value", status))


def _result(execution: Any) -> ExecutionResult:
    output = execution.output if status_of(execution) == "SUCCEEDED" else None
    text = output if output is None or isinstance(output, str) else json.dumps(output, separators=(",", ":"))
    return ExecutionResult(execution.exec_arn, status_of(execution), text, execution.error, execution.cause)


def wait_for_execution(execution_arn: str, timeout: float = 30.0) -> ExecutionResult:
    """Wait until the execution has finished and return how it ended.

    Raises KeyError for an execution this sandbox did not start, and ExecutionStillRunning when it is still
    running after `timeout` real seconds (a Wait or a retry may be waiting for the sandbox clock to move).
    """
    with _lock:
        execution = _executions.get(execution_arn)
    if execution is None:
        raise KeyError(f"No execution {execution_arn!r} was started in this sandbox (since its last reset): "
                       "pass the executionArn that start_execution returned.")
    deadline = time.monotonic() + timeout
    while status_of(execution) not in FINISHED:
        if time.monotonic() > deadline:
            raise ExecutionStillRunning(
                f"Execution {execution_arn} was still running after {timeout:g} s. If it is in a Wait state or "
                "waiting to retry, move the sandbox's clock on (sb.clock.advance(seconds)), or wait longer.")
        time.sleep(0.05)
    return _result(execution)


def stop_all() -> int:
    """Stop every running execution and forget them all (the sandbox is being reset); returns how many ran."""
    with _lock:
        executions = list(_executions.values())
        _executions.clear()
    running = [execution for execution in executions if status_of(execution) not in FINISHED]
    for execution in running:
        worker = execution.exec_worker
        if worker is not None and worker.env is not None:
            worker.env.set_stop(stop_date=None, cause="The sandbox was reset.", error="States.Aborted")
    return len(running)


__all__ = ["ExecutionResult", "ExecutionStillRunning", "stop_all", "track", "wait_for_execution"]
