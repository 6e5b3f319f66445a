"""Invoke on a durable function starts a durable execution, as Lambda does, instead of running the handler once.

Lambda Developer Guide, "Invoking durable Lambda functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-invocation.html): a synchronous Invoke waits for the
execution and answers with its result, within the 15 minutes a synchronous invocation may last; an asynchronous
one answers 202 at once and the execution goes on. Both name the execution in `X-Amz-Durable-Execution-Arn`, and
`X-Amz-Durable-Execution-Name` names it (a fresh name otherwise).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput
from aws_durable_execution_sdk_python_testing.web.models import HTTPResponse

from localaws.facts import value
from localaws.runtime import moto_seam

if TYPE_CHECKING:
    from localaws.durable.service import DurableService

Answer = tuple[int, dict[str, str], bytes | str]


def durable_config(fn: Any) -> dict[str, Any] | None:
    """The function's DurableConfig as CreateFunction stored it, or None for a function that is not durable."""
    config = getattr(fn, "durable_config", None)
    return dict(config) if config else None


def _start(service: DurableService, fn: Any, version: str, payload: bytes, name: str | None) -> str:
    config = durable_config(fn) or {}
    start = StartDurableExecutionInput(
        account_id=fn.account_id, function_name=fn.function_name, function_qualifier=version,
        execution_name=name or str(uuid.uuid4()), execution_timeout_seconds=int(config.get("ExecutionTimeout", 0)),
        execution_retention_period_days=int(config.get("RetentionPeriodInDays", 0)),
        input=payload.decode() if payload else None)
    arn = service.executor.start_execution(start).execution_arn
    if not arn:  # the model always names a started execution; an execution without one could not be read back
        raise RuntimeError(f"The durable execution engine started {fn.function_name} without naming the execution.")
    return arn


def _outcome(service: DurableService, arn: str, headers: dict[str, str]) -> Answer:
    """The synchronous answer: the execution's result, or its error as an unhandled function error."""
    if not service.executor.wait_until_complete(arn, timeout=value("timeout_max_s")):
        body = {"errorType": "Sandbox.DurableExecutionStillRunning",
                "errorMessage": f"The durable execution {arn} is still running after the longest synchronous "
                                "invocation Lambda allows; invoke with InvocationType='Event' and read it with "
                                "get_durable_execution."}
        return 200, {**headers, "x-amz-function-error": "Unhandled"}, json.dumps(body)
    details = service.executor.get_execution_details(arn)
    if details.status == "SUCCEEDED":
        return 200, headers, details.result or "null"
    error = details.error
    body = {"errorType": getattr(error, "type", None) or details.status,
            "errorMessage": getattr(error, "message", None) or f"The durable execution ended {details.status}."}
    return 200, {**headers, "x-amz-function-error": "Unhandled"}, json.dumps(body)


def make_front(get_service: Callable[[], DurableService]) -> moto_seam.InvokeFront:
    """The Invoke front for durable functions: None (run as usual) for any other function."""

    def front(fn: Any, qualifier: str | None, invocation_type: str, payload: bytes,
              request_headers: Any) -> Answer | None:
        del qualifier  # `fn` is already the version the qualifier (or an alias's routing) chose
        if durable_config(fn) is None or invocation_type == "DryRun":
            return None
        service = get_service()
        try:
            # The version that runs, never an alias: an execution's ARN names $LATEST or a version number.
            arn = _start(service, fn, str(fn.version), payload, request_headers.get("X-Amz-Durable-Execution-Name"))
        except AwsApiException as error:
            response = HTTPResponse.create_error_from_exception(error)
            return response.status_code, response.headers, response.body_to_bytes()
        headers = {"content-type": "application/json", "x-amz-executed-version": str(fn.version),
                   "x-amz-durable-execution-arn": arn}
        if invocation_type == "Event":
            return 202, {**headers, "status": "202"}, ""
        return _outcome(service, arn, headers)

    return front
