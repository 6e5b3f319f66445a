"""Invoke on a durable function starts a durable execution, as Lambda does, instead of running the handler once.

Lambda Developer Guide, "Invoking durable Lambda functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html): the function must be invoked with a qualified
ARN (a version, an alias or $LATEST; Lambda refuses an unqualified one with InvalidParameterValueException); a
synchronous Invoke waits for the execution and answers with its result, within the 15 minutes a synchronous
invocation may last; an asynchronous one answers 202 at once and its event joins Lambda's asynchronous queue, whose
attempt starts the execution (localaws.runtime.asynchronous). Both name the execution in
`X-Amz-Durable-Execution-Arn`, and `X-Amz-Durable-Execution-Name` names it (a fresh name otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException
from aws_durable_execution_sdk_python_testing.web.models import HTTPResponse

from localaws.durable.starter import ServiceStarter, durable_config
from localaws.runtime import durable_hook, moto_seam
from localaws.runtime.errors import InvokeError

if TYPE_CHECKING:
    from localaws.durable.service import DurableService

Answer = tuple[int, dict[str, str], bytes | str]

__all__ = ["durable_config", "make_front"]


def _refused(error: InvokeError) -> Answer:
    """Lambda's error answer, as the runtime's Invoke gives it."""
    body = json.dumps({"__type": error.code, "Type": "User", "message": error.message})
    return error.status, {"x-amzn-ErrorType": error.code, "content-type": "application/json",
                          "status": str(error.status)}, body


def _invoked(fn: Any, qualifier: str | None) -> str:
    """The ARN the caller invoked: the function's, with the qualifier it named (none: unqualified)."""
    unqualified = fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"
    return f"{unqualified}:{qualifier}" if qualifier else unqualified


def make_front(get_service: Callable[[], DurableService]) -> moto_seam.InvokeFront:
    """The Invoke front for durable functions: None (run as usual) for any other function."""
    starter = ServiceStarter(get_service)

    def front(fn: Any, qualifier: str | None, invocation_type: str, payload: bytes,
              request_headers: Any) -> Answer | None:
        # `fn` is already the version the qualifier (or an alias's routing) chose; the qualifier says how it was named
        if durable_config(fn) is None or invocation_type == "DryRun":
            return None
        invoked = _invoked(fn, qualifier)
        refused = durable_hook.refusal(invoked)
        if refused is not None:
            return _refused(refused)
        try:
            prepared = starter.prepare(fn, payload, request_headers.get("X-Amz-Durable-Execution-Name"))
            headers = {"content-type": "application/json", "x-amz-executed-version": str(fn.version),
                       "x-amz-durable-execution-arn": prepared.arn}
            if invocation_type == "Event":
                moto_seam.running_runtime().invoke_async(fn, payload, invoked, durable=prepared)
                return 202, {**headers, "status": "202"}, ""
            starter.start_now(prepared)
        except AwsApiException as error:
            response = HTTPResponse.create_error_from_exception(error)
            return response.status_code, response.headers, response.body_to_bytes()
        outcome = starter.wait(prepared)
        if outcome.function_error:
            headers["x-amz-function-error"] = outcome.function_error
        return 200, headers, outcome.payload

    return front
