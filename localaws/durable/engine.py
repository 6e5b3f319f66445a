"""The published engine with the one thing it leaves to the service: execution ARNs of the form Lambda gives them.

The model names an execution with two UUIDs; Lambda's API reference gives the form
`arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>/durable-execution/<execution name>/<id>`
(Lambda API Reference, "Execution": https://docs.aws.amazon.com/lambda/latest/api/API_Execution.html), which is
what the sandbox hands out, so that code parsing an ARN works the same here. It also tells whoever asked
(`on_terminal`) when an execution has ended, which the asynchronous queue waits for to deliver its records; records
an invocation whose handler failed as an invocation with its error (the model records none); and serves the history
with the details Lambda gives and the model leaves out (localaws.durable.history).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.model import (
    GetDurableExecutionHistoryResponse,
    StartDurableExecutionInput,
)

from localaws.durable import history
from localaws.durable.dispatcher import SandboxChildDispatcher
from localaws.durable.invoker import FailedInvocations


def execution_arn(region: str, start: StartDurableExecutionInput) -> str:
    """The ARN Lambda gives an execution of `start`'s function, name and invocation."""
    return (f"arn:aws:lambda:{region}:{start.account_id}:function:{start.function_name}:"
            f"{start.function_qualifier or '$LATEST'}/durable-execution/{start.execution_name}/{start.invocation_id}")


class SandboxExecutor(Executor):
    """The model's Executor, creating executions under Lambda's ARNs and telling of their ends (the rest is its own)."""

    def __init__(self, *, failures: FailedInvocations, chained: SandboxChildDispatcher, **kwargs: Any) -> None:
        super().__init__(child_dispatcher=chained, **kwargs)
        self._on_terminal: dict[str, Callable[[], None]] = {}
        self._on_terminal_lock = threading.Lock()
        self._failures = failures
        self._chained = chained
        self._invocation_errors: dict[str, ErrorObject] = {}  # request id -> the error its invocation ended with

    def get_execution_history(self, execution_arn: str,
                              include_execution_data: bool = False,  # noqa: FBT001, FBT002 - the model's signature
                              reverse_order: bool = False,  # noqa: FBT001, FBT002
                              marker: str | None = None,
                              max_items: int | None = None) -> GetDurableExecutionHistoryResponse:
        """GetDurableExecutionHistory: the model's events, completed as Lambda gives them, then paged as it pages."""
        whole = super().get_execution_history(execution_arn, include_execution_data, max_items=sys.maxsize)
        sources = history.Sources(include_execution_data, dict(self._invocation_errors),
                                  self._chained.executed_version)
        events = history.complete(self.get_execution(execution_arn), whole.events, sources)
        chosen, next_marker = history.page(events, reverse_order, marker, max_items)
        return GetDurableExecutionHistoryResponse(events=chosen, next_marker=next_marker)

    def _retry_after_error(self, execution_arn: str, error: ErrorObject) -> None:
        """An invocation that raised: one whose handler ran and failed is recorded, with Lambda's error (the
        model records none), and that error is the one a retry gives up with; then the model retries."""
        failed = self._failures.take(execution_arn)
        if failed is not None:
            self._invocation_errors[failed.request_id] = failed.error
            execution = self._store.load(execution_arn)
            execution.record_invocation_completion(failed.started, failed.ended, failed.request_id)
            self._store.save(execution)
            error = failed.error
        super()._retry_after_error(execution_arn, error)

    def create(self, start: StartDurableExecutionInput) -> str:
        """Create and store an execution without starting it (GetDurableExecution reads it RUNNING); its ARN."""
        return self._create_execution(start).durable_execution_arn

    def launch(self, execution_arn: str) -> None:
        """Start an execution `create` made: its timeout armed and its first invocation scheduled."""
        execution = self.get_execution(execution_arn)
        self._launch_execution(execution, execution.start_input.execution_timeout_seconds)

    def on_terminal(self, execution_arn: str, callback: Callable[[], None]) -> None:
        """Call `callback()` once the execution has ended (SUCCEEDED, FAILED, TIMED_OUT or STOPPED)."""
        with self._on_terminal_lock:
            self._on_terminal[execution_arn] = callback

    def _complete_events(self, execution_arn: str) -> None:
        """Every terminal transition passes here (success, failure, timeout, stop): then whoever waits is told."""
        super()._complete_events(execution_arn)
        with self._on_terminal_lock:
            callback = self._on_terminal.pop(execution_arn, None)
        if callback is not None:
            callback()

    def _create_execution(self, input: StartDurableExecutionInput,  # noqa: A002 - the overridden method's name
                          parent_execution_arn: str | None = None) -> Execution:
        """Create and store a new execution without launching it, as the model does, under Lambda's ARN."""
        if input.invocation_id is None:
            input = dataclasses.replace(input, invocation_id=str(uuid.uuid4()))  # noqa: A001
        execution = Execution(durable_execution_arn=execution_arn(self.region, input), start_input=input,
                              operations=[])
        execution.region = self.region
        execution.parent_execution_arn = parent_execution_arn
        execution.start(now=self._clock.now())
        self._store.save(execution)
        return execution
