"""Starting durable executions for the runtime: the Invoke API, triggers and the asynchronous queue alike.

The runtime (localaws.runtime.durable_hook) hands this starter every invocation of a durable function. An execution
is prepared first: created, named and given its ARN (GetDurableExecution reads it RUNNING), so that an asynchronous
Invoke can answer 202 with the ARN while the event waits in Lambda's queue; it starts when the queue attempts the
event, or at once for a synchronous invocation, which waits for it ("Invoking durable Lambda functions":
https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html). An event the queue gives up before it ran (too
old) stops its execution, which would otherwise stay RUNNING for good.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput

from localaws.facts import value
from localaws.runtime.environment import Outcome
from localaws.runtime.logs import Report

if TYPE_CHECKING:
    from localaws.durable.service import DurableService

STILL_RUNNING = "Sandbox.DurableExecutionStillRunning"


@dataclasses.dataclass(frozen=True)
class PreparedExecution:
    """An execution named and given its ARN, not started yet."""

    arn: str
    start: StartDurableExecutionInput
    memory_mb: int


def durable_config(fn: Any) -> dict[str, Any] | None:
    """The function's DurableConfig as CreateFunction stored it, or None for a function that is not durable."""
    config = getattr(fn, "durable_config", None)
    return dict(config) if config else None


def _outcome(arn: str, memory_mb: int, payload: str, error: bool) -> Outcome:
    """An execution's end in the runtime's terms: its result, or its error as an unhandled function error."""
    request_id = arn.rsplit("/", 1)[-1]
    return Outcome(request_id, payload.encode(), "Unhandled" if error else None, "",
                   Report(request_id, 0.0, memory_mb, 0))


class ServiceStarter:
    """The runtime's DurableStarter, over the running sandbox's durable execution service."""

    def __init__(self, get_service: Callable[[], DurableService]) -> None:
        self._get_service = get_service

    def prepare(self, fn: Any, payload: bytes, name: str | None) -> PreparedExecution:
        """An execution of the version that runs (never an alias: the ARN names $LATEST or a version number),
        created but not started."""
        config = durable_config(fn) or {}
        start = StartDurableExecutionInput(
            account_id=fn.account_id, function_name=fn.function_name, function_qualifier=str(fn.version),
            execution_name=name or str(uuid.uuid4()), execution_timeout_seconds=int(config.get("ExecutionTimeout", 0)),
            execution_retention_period_days=int(config.get("RetentionPeriodInDays", 0)),
            invocation_id=str(uuid.uuid4()), input=payload.decode() if payload else None)
        return PreparedExecution(self._get_service().executor.create(start), start, int(fn.memory_size))

    def launch(self, prepared: PreparedExecution, on_end: Callable[[Outcome], None]) -> None:
        """Start the execution; `on_end` gets its outcome when it ends (asked before it starts, so never missed)."""
        executor = self._get_service().executor
        executor.on_terminal(prepared.arn, lambda: on_end(self.ended(prepared)))
        executor.launch(prepared.arn)

    def run(self, fn: Any, payload: bytes) -> Outcome:
        """Start an execution and wait for it, within the longest synchronous invocation Lambda allows."""
        prepared = self.prepare(fn, payload, None)
        self.start_now(prepared)
        return self.wait(prepared)

    def start_now(self, prepared: PreparedExecution) -> None:
        """Start a prepared execution without waiting for it (a synchronous Invoke waits with `wait`)."""
        self._get_service().executor.launch(prepared.arn)

    def abandon(self, prepared: PreparedExecution, reason: str) -> None:
        """Stop an execution that will never start (its event left the queue first), with `reason` as its error."""
        self._get_service().executor.stop_execution(prepared.arn, ErrorObject.from_message(reason))

    def wait(self, prepared: PreparedExecution) -> Outcome:
        """The execution's outcome once it has ended; an error if it still runs after the synchronous limit."""
        if not self._get_service().executor.wait_until_complete(prepared.arn, timeout=value("timeout_max_s")):
            body = {"errorType": STILL_RUNNING,
                    "errorMessage": f"The durable execution {prepared.arn} is still running after the longest "
                                    "synchronous invocation Lambda allows; invoke with InvocationType='Event' and "
                                    "read it with get_durable_execution."}
            return _outcome(prepared.arn, prepared.memory_mb, json.dumps(body), True)
        return self.ended(prepared)

    def ended(self, prepared: PreparedExecution) -> Outcome:
        """How an ended execution ended: SUCCEEDED's result, or FAILED's, TIMED_OUT's or STOPPED's error."""
        details = self._get_service().executor.get_execution_details(prepared.arn)
        if details.status == "SUCCEEDED":
            return _outcome(prepared.arn, prepared.memory_mb, details.result or "null", False)
        error = details.error
        body = {"errorType": getattr(error, "type", None) or details.status,
                "errorMessage": getattr(error, "message", None) or f"The durable execution ended {details.status}."}
        return _outcome(prepared.arn, prepared.memory_mb, json.dumps(body), True)


__all__ = ["STILL_RUNNING", "PreparedExecution", "ServiceStarter", "durable_config"]
