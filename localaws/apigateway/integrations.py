"""Calling what an integration points at: a Lambda function, or an HTTP endpoint on loopback."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from localaws.apigateway import lookup, proxy, responses
from localaws.apigateway.messages import (
    REST_FAILURES,
    TIMED_OUT,
    Failures,
    HttpRequest,
    HttpResponse,
    gateway_error,
)
from localaws.facts import value
from localaws.runtime import alias_routing
from localaws.runtime.errors import InvokeError

log = logging.getLogger(__name__)
PERMISSION_MARK = "no function-policy grant"  # starts the reason header, so checks can tell this 500 apart


def timeout_s(timeout_in_millis: Any) -> float:
    """The integration timeout: API Gateway's default, lowered (never raised) by the integration's."""
    default = float(value("apigw_integration_timeout_s"))
    try:
        own = int(timeout_in_millis) / 1000 if timeout_in_millis else default
    except (TypeError, ValueError):
        own = default
    return min(default, own) if own > 0 else default


def execute_api_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """The ARN API Gateway names itself by when it invokes a function: api-id/stage/METHOD/resource-path.

    `path` is the resource or route template (`/items/{id}`); an HTTP API's `$default` route has no method.
    """
    resource = path if path == "$default" else f"{method}/{path.lstrip('/')}"
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{resource}"


def permission_denied(fn: Any, source_arn: str, failures: Failures = REST_FAILURES,
                      qualifier: str | None = None) -> HttpResponse | None:
    """API Gateway's 500 when the function's policy does not let apigateway.amazonaws.com invoke it (or its alias
    or version `qualifier`, when the integration names one), else None."""
    from localaws.iam.function_policy import invoke_allowed  # IAM's checks load at first use: start-up time

    account = source_arn.split(":")[4]
    if invoke_allowed(fn, "apigateway.amazonaws.com", source_arn, account, qualifier):
        return None
    execution = source_arn.split("/")[0]
    return failures.answer(
        500,
        f"{PERMISSION_MARK}: API Gateway may not invoke {fn.function_name} for {source_arn}. Grant it "
        f"with lambda add_permission(FunctionName={fn.function_name!r}, StatementId=..., "
        f"Action='lambda:InvokeFunction', Principal='apigateway.amazonaws.com', SourceArn='{execution}/*')",
    )


def call_lambda(
    runtime: Any,
    uri: str,
    event: dict[str, Any],
    version: str,
    timeout: float,
    failures: Failures = REST_FAILURES,
    source_arn: str | None = None,
) -> HttpResponse:
    """Invoke the function behind `uri` with the event; the endpoint's failure answer if it fails, 504 if it
    outlasts `timeout`.

    With `source_arn` (API Gateway's execute-api ARN for the route) the function's policy must allow the call.
    An integration on a weighted alias runs the version drawn by the alias's weights, as Invoke does.
    """
    target = lookup.target_for_uri(uri)
    if target is None:
        return failures.answer(500, f"no Lambda function matches integration URI {uri}")
    backend, qualifier, fn = target
    refused = permission_denied(fn, source_arn, failures, qualifier) if source_arn else None
    if refused is not None:
        return refused
    invoked_arn = fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}" + (
        f":{qualifier}" if qualifier else "")
    fn = alias_routing.routed(backend, fn, qualifier)
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["outcome"] = runtime.invoke(fn, json.dumps(event).encode(), invoked_arn)
        except InvokeError as error:
            result["error"] = error
        except Exception as error:  # logged, and the gateway answers 500 for it rather than crash the thread
            log.exception("The integration call to %s failed in the sandbox", fn.function_name)
            result["error"] = error

    worker = threading.Thread(target=run, name="apigw-invoke", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return gateway_error(
            504, TIMED_OUT, failures.key, reason=f"the integration took longer than {timeout:g} s"
        )
    if "error" in result:
        error = result["error"]
        refused_call = isinstance(error, InvokeError) and error.status < 500
        return failures.answer(failures.function_status if refused_call else 500, str(error))
    outcome = result["outcome"]
    return responses.lambda_answer(outcome.payload, outcome.function_error, version, failures)


def call_http(
    request: HttpRequest, uri: str, method: str, params: dict[str, str], timeout: float
) -> HttpResponse:
    """Forward the request to an HTTP endpoint, substituting path parameters into the URI."""
    return proxy.forward(request, proxy.expand(uri, params, request.path), method, timeout)
