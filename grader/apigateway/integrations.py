"""Calling what an integration points at: a Lambda function, or an HTTP endpoint on loopback."""

from __future__ import annotations

import json
import threading
from typing import Any

from grader.apigateway import lookup, proxy, responses
from grader.apigateway.messages import INTERNAL_ERROR, TIMED_OUT, HttpRequest, HttpResponse, gateway_error
from grader.facts import value


def timeout_s(timeout_in_millis: Any) -> float:
    """The integration timeout: API Gateway's default, lowered (never raised) by the integration's."""
    default = float(value("apigw_integration_timeout_s"))
    try:
        own = int(timeout_in_millis) / 1000 if timeout_in_millis else default
    except (TypeError, ValueError):
        own = default
    return min(default, own) if own > 0 else default


def call_lambda(
    runtime: Any, uri: str, event: dict[str, Any], version: str, timeout: float, error_key: str = "message"
) -> HttpResponse:
    """Invoke the function behind `uri` with the event; 502 if it fails, 504 if it outlasts `timeout`."""
    from grader.runtime.service import InvokeError

    fn = lookup.function_for_uri(uri)
    if fn is None:
        return gateway_error(
            500, INTERNAL_ERROR, error_key, reason=f"no Lambda function matches integration URI {uri}"
        )
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["outcome"] = runtime.invoke(fn, json.dumps(event).encode(), fn.function_arn)
        except InvokeError as error:
            result["error"] = error
        except Exception as error:  # the gateway answers 500, never crashes
            result["error"] = error

    worker = threading.Thread(target=run, name="apigw-invoke", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return gateway_error(
            504, TIMED_OUT, error_key, reason=f"the integration took longer than {timeout:g} s"
        )
    if "error" in result:
        error = result["error"]
        status = 502 if isinstance(error, InvokeError) and error.status < 500 else 500
        return gateway_error(status, INTERNAL_ERROR, error_key, reason=str(error))
    outcome = result["outcome"]
    return responses.lambda_answer(outcome.payload, outcome.function_error, version, error_key)


def call_http(
    request: HttpRequest, uri: str, method: str, params: dict[str, str], timeout: float
) -> HttpResponse:
    """Forward the request to an HTTP endpoint, substituting path parameters into the URI."""
    return proxy.forward(request, proxy.expand(uri, params, request.path), method, timeout)
