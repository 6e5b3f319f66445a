"""How the durable execution engine invokes a handler: through the sandbox's Lambda runtime, as Lambda does.

Each invocation of an execution runs the function's handler in an execution environment, with the durable
invocation input (the execution's ARN, a checkpoint token and the operations so far) as its event. What the
handler returns (the SDK's SUCCEEDED, FAILED or PENDING output) goes back to the engine; a handler that crashes
or cannot be imported is an invocation error, which the engine retries as the service does.
"""

from __future__ import annotations

import json
from typing import Any

from aws_durable_execution_sdk_python.execution import DurableExecutionInvocationInput, InitialExecutionState
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

from localaws.runtime.errors import InvokeError
from localaws.runtime.service import LambdaRuntime


class RuntimeInvoker:
    """The engine's Invoker: runs one invocation of a durable execution in the sandbox's runtime."""

    def __init__(self, runtime: LambdaRuntime, region: str) -> None:
        self._runtime = runtime
        self._region = region

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
        try:
            outcome = self._runtime.run_handler(fn, json.dumps(input.to_json_dict()).encode())
        except InvokeError as error:
            raise DurableFunctionsTestError(f"Lambda refused the invocation: {error.code}: {error.message}") from error
        request_id = outcome.request_id or ""
        if outcome.function_error:
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
