"""Lambda function URLs: every request goes to the function with a payload format 2.0 event."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from grader.apigateway import events, integrations, lookup
from grader.apigateway.messages import HttpRequest, HttpResponse, gateway_error

_MARGIN_S = 5.0  # the function's own timeout ends it first; this only guards against a stuck sandbox


def handle(runtime: Any, name: str, request: HttpRequest) -> HttpResponse:
    """Answer one request to `/lambda-url/<name><request.path>`."""
    fn = lookup.function_with_url(name)
    if fn is None:
        return gateway_error(404, "Not Found", "Message", reason=f"function {name} has no function URL")
    config = fn.url_config
    signed = (request.header("authorization") or "").startswith("AWS4-HMAC-SHA256")
    if config.config.get("AuthType") == "AWS_IAM" and not signed:
        return gateway_error(
            403,
            "Forbidden",
            "Message",
            reason="the function URL's AuthType is AWS_IAM: sign "
            "the request with SigV4, or use AuthType NONE",
        )
    url_id = urlsplit(config.url).hostname.split(".")[0]
    target = events.Target(url_id, "$default", "$default", domain_name=request.host)
    event = events.http_event(request, target, request.path)
    response = integrations.call_lambda(
        runtime, fn.function_arn, event, "2.0", float(fn.timeout) + _MARGIN_S, "Message"
    )
    response.headers.append(("x-amzn-RequestId", request.request_id))
    return response
