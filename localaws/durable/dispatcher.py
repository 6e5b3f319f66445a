"""Chained invokes (`context.invoke`): the target is a function of the sandbox's Lambda, durable or not.

AWS's durable execution documentation, "Invoke operations"
(https://aws.github.io/aws-durable-execution-docs/sdk-reference/operations/invoke), and the API's
ChainedInvokeOptions (https://docs.aws.amazon.com/lambda/latest/api/API_ChainedInvokeOptions.html): a durable
function invokes another function, durable or on-demand, by name or ARN, and suspends until it ends; a durable
target runs as a durable execution of its own, linked to the operation, and a plain target is invoked once, its
answer (or its function error) ending the operation. The engine asks this dispatcher (the model's ChildDispatcher
protocol) what a target is: a target that does not exist fails the operation at checkpoint time with
ResourceNotFoundException, and a durable one must be named with a version, an alias or $LATEST, as for every
invocation of a durable function ("Invoking durable Lambda functions",
https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.child_dispatcher import (
    CHAINED_INVOKE_DIFFERENT_REGION_MESSAGE,
    ChainedInvokeRequest,
    ChildOutcome,
    DispatchResult,
    FunctionTarget,
    RunInvocation,
    StartChild,
    failed_to_start,
    function_not_found,
    result_outcome,
)
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput
from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import lambda_backends
from moto.core import DEFAULT_ACCOUNT_ID

from localaws.runtime import durable_hook
from localaws.runtime.errors import InvokeError
from localaws.runtime.service import LambdaRuntime


def error_of(payload: bytes) -> ErrorObject:
    """The ErrorObject of a function error's answer (errorType, errorMessage, stackTrace), as Lambda reports it."""
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ErrorObject(message=payload.decode(errors="replace") or "The function failed.", type=None, data=None,
                           stack_trace=None)
    trace = body.get("stackTrace")
    return ErrorObject(message=body.get("errorMessage"), type=body.get("errorType"), data=None,
                       stack_trace=[str(line) for line in trace] if isinstance(trace, list) else None)


class SandboxChildDispatcher:
    """The engine's ChildDispatcher over the sandbox's Lambda functions and runtime."""

    def __init__(self, runtime: LambdaRuntime, region: str) -> None:
        self._runtime = runtime
        self._region = region
        self._versions: dict[tuple[str, str], str] = {}  # (parent ARN, operation id) -> the target's version
        self._lock = threading.Lock()

    def preflight(self, target: FunctionTarget) -> ChildOutcome | None:
        """The failure known at checkpoint time (another Region, no such function), or None to dispatch."""
        if target.region is not None and target.region != self._region:
            return failed_to_start(CHAINED_INVOKE_DIFFERENT_REGION_MESSAGE).outcome
        if self._function(target.name, target.qualifier, target.account_id or DEFAULT_ACCOUNT_ID) is None:
            return function_not_found(target.name).outcome
        return None

    def dispatch(self, request: ChainedInvokeRequest) -> DispatchResult:
        """Start a durable target's execution, or run a plain target once; a target gone since is not found."""
        fn = self._function(request.function_name, request.qualifier, request.account_id)
        if fn is None:
            return function_not_found(request.function_name)
        config: dict[str, Any] | None = getattr(fn, "durable_config", None)  # as CreateFunction stored it
        refused = durable_hook.refusal(request.invoke_identifier()) if config is not None else None
        if refused is not None:
            return failed_to_start(refused.message, refused.code)
        with self._lock:
            self._versions[(request.parent_execution_arn, request.operation_id)] = str(fn.version)
        if config is None:
            return RunInvocation(invocation=lambda: self._run_once(fn, request.payload))
        return StartChild(child_start=StartDurableExecutionInput(
            account_id=request.account_id, function_name=fn.function_name, function_qualifier=str(fn.version),
            execution_name=str(uuid.uuid4()), execution_timeout_seconds=int(config.get("ExecutionTimeout", 0)),
            execution_retention_period_days=int(config.get("RetentionPeriodInDays", 0)), invocation_id=None,
            trace_fields=request.trace_fields, tenant_id=request.tenant_id, input=request.payload,
            lambda_endpoint=None))

    def executed_version(self, parent_arn: str, operation_id: str) -> str | None:
        """The version of the target a chained invoke ran (ExecutedVersion), once it has been dispatched."""
        with self._lock:
            return self._versions.get((parent_arn, operation_id))

    def _run_once(self, fn: Any, payload: str | None) -> ChildOutcome:
        """One synchronous invocation of a plain target: its answer, its function error, or Lambda's refusal."""
        try:
            outcome = self._runtime.invoke(fn, (payload or "{}").encode())
        except InvokeError as error:
            return ChildOutcome(error=ErrorObject(message=error.message, type=error.code, data=None, stack_trace=None))
        if outcome.function_error:
            return ChildOutcome(error=error_of(outcome.payload))
        return result_outcome(outcome.payload.decode() or None)

    def _function(self, name: str, qualifier: str | None, account_id: str) -> Any:
        """The function (the version a qualifier names), or None when Lambda has no such function."""
        try:
            return lambda_backends[account_id][self._region].get_function(name, qualifier)
        except UnknownFunctionException:
            return None


__all__ = ["SandboxChildDispatcher", "error_of"]
