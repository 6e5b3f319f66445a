"""How the durable execution engine invokes a handler: through the sandbox's Lambda runtime, as Lambda does.

Each invocation of an execution runs the function's handler in an execution environment, with the durable
invocation input (the execution's ARN, a checkpoint token and the operations so far) as its event. What the
handler returns (the SDK's SUCCEEDED, FAILED or PENDING output) goes back to the engine; a handler that crashes
or cannot be imported is an invocation error, which the engine retries as the service does; the invoker notes it
(`FailedInvocations`: its request id, times and Lambda's error, such as Runtime.ExitError) so that the history's
InvocationCompleted event carries that error, as Lambda's does.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import threading
from typing import Any

from aws_durable_execution_sdk_python.execution import DurableExecutionInvocationInput, InitialExecutionState
from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.checkpoint.processor import DEFAULT_MAX_INVOCATION_PAGE_BYTES
from aws_durable_execution_sdk_python_testing.exceptions import (
    DurableFunctionsTestError,
    ResourceNotFoundException,
)
from aws_durable_execution_sdk_python_testing.execution import Execution, OperationPaginatorState
from aws_durable_execution_sdk_python_testing.invoker import InvokeResponse
from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import lambda_backends
from moto.core import DEFAULT_ACCOUNT_ID

from localaws.durable.dispatcher import error_of
from localaws.durable.timing import EngineClock
from localaws.runtime.errors import InvokeError
from localaws.runtime.service import LambdaRuntime


@dataclasses.dataclass(frozen=True)
class FailedInvocation:
    """One invocation whose handler failed (crashed, timed out, could not start): what its history event says."""

    request_id: str
    started: datetime.datetime
    ended: datetime.datetime
    error: ErrorObject


class FailedInvocations:
    """The invocation that failed last, per execution, until the engine records it (one runs at a time)."""

    def __init__(self) -> None:
        self._failed: dict[str, FailedInvocation] = {}
        self._lock = threading.Lock()

    def note(self, execution_arn: str, failed: FailedInvocation) -> None:
        """Keep a failed invocation for the engine, which records it when it retries the execution."""
        with self._lock:
            self._failed[execution_arn] = failed

    def take(self, execution_arn: str) -> FailedInvocation | None:
        """The execution's failed invocation not yet recorded (None when the invocation never ran), forgotten."""
        with self._lock:
            return self._failed.pop(execution_arn, None)


class RuntimeInvoker:
    """The engine's Invoker: runs one invocation of a durable execution in the sandbox's runtime."""

    def __init__(self, runtime: LambdaRuntime, region: str, failures: FailedInvocations) -> None:
        self._runtime = runtime
        self._region = region
        self._clock = EngineClock(runtime.clock)
        self._failures = failures

    def create_invocation_input(self, execution: Execution) -> DurableExecutionInvocationInput:
        """The event one invocation gets: the execution, a fresh checkpoint token, the first page of operations."""
        paginator = OperationPaginatorState.pin(execution)
        operations, next_marker = paginator.page(None, DEFAULT_MAX_INVOCATION_PAGE_BYTES)
        return DurableExecutionInvocationInput(
            durable_execution_arn=execution.durable_execution_arn,
            checkpoint_token=execution.get_new_checkpoint_token(),
            initial_execution_state=InitialExecutionState(operations=operations, next_marker=next_marker or ""),
            updated_operation_ids=list(execution.updated_operation_ids),
        )

    def invoke(self, function_name: str, input: DurableExecutionInvocationInput,  # noqa: A002 - the protocol's name
               endpoint_url: str | None = None, tenant_id: str | None = None, account_id: str | None = None,
               region_name: str | None = None) -> InvokeResponse:
        """Run the handler once with the durable input and return its output for the engine."""
        del endpoint_url, tenant_id  # the sandbox has one endpoint, and no tenant isolation
        fn = self._function(function_name, account_id, region_name or self._region)
        started = self._clock.now()
        try:
            outcome = self._runtime.run_handler(fn, json.dumps(input.to_json_dict()).encode())
        except InvokeError as error:
            raise DurableFunctionsTestError(f"Lambda refused the invocation: {error.code}: {error.message}") from error
        request_id = outcome.request_id or ""
        if outcome.function_error:
            failed = FailedInvocation(request_id, started, self._clock.now(), error_of(outcome.payload))
            self._failures.note(input.durable_execution_arn, failed)
            raise DurableFunctionsTestError(f"The handler failed ({outcome.function_error}): "
                                            f"{outcome.payload.decode(errors='replace')}")
        return InvokeResponse.from_payload(outcome.payload, request_id)

    @staticmethod
    def _function(identifier: str, account_id: str | None, region: str) -> Any:
        name, _, qualifier = identifier.partition(":")
        backend = lambda_backends[account_id or DEFAULT_ACCOUNT_ID][region]
        try:
            return backend.get_function(name, qualifier or None)
        except UnknownFunctionException as error:
            raise ResourceNotFoundException(f"Function not found: {identifier}") from error

    def update_endpoint(self, endpoint_url: str, region_name: str) -> None:
        """Nothing to do: every invocation goes to the sandbox's runtime."""

    def inherit_endpoint(self, child_execution_arn: str, parent_execution_arn: str) -> None:
        """Nothing to do: a chained execution runs in the same runtime as its parent."""
