"""REST APIs (API Gateway v1): find the stage, resource and method, then run the method's integration.

A Lambda proxy integration whose function fails, or answers in a shape API Gateway cannot use, gets the client
a 502 {"message": "Internal server error"}; Lambda refusing the call is a 500 with the same body.
"""

from __future__ import annotations

from typing import Any

from localaws.apigateway import events, integrations, lookup, routing
from localaws.apigateway.messages import (
    INTERNAL_ERROR,
    MISSING_TOKEN,
    NOT_FOUND,
    REST_FAILURES,
    HttpRequest,
    HttpResponse,
    gateway_error,
)


def _method(resource: Any, verb: str) -> Any | None:
    methods = resource.resource_methods
    return methods.get(verb) or methods.get("ANY")


def _http_params(integration: Any, params: dict[str, str]) -> dict[str, str]:
    """Path parameters for the backend URI, honouring `integration.request.path.x: method.request.path.y`."""
    mapped = dict(params)
    for target, source in (integration.request_parameters or {}).items():
        if target.startswith("integration.request.path.") and source.startswith("method.request.path."):
            mapped[target.rsplit(".", 1)[-1]] = params.get(source.rsplit(".", 1)[-1], "")
    return mapped


def handle(runtime: Any, api_id: str, stage_name: str, request: HttpRequest) -> HttpResponse:
    """Answer one request to `/restapis/<api_id>/<stage>/_user_request_<request.path>`."""
    response = _answer(runtime, api_id, stage_name, request)
    response.headers.append(("x-amzn-RequestId", request.request_id))
    return response


def _answer(runtime: Any, api_id: str, stage_name: str, request: HttpRequest) -> HttpResponse:
    api = lookup.rest_api(api_id)
    if api is None:
        return gateway_error(404, NOT_FOUND, reason=f"no REST API with id {api_id} exists")
    stage = api.stages.get(stage_name)
    if stage is None:
        return gateway_error(
            403,
            MISSING_TOKEN,
            reason=f"REST API {api_id} has no stage {stage_name!r}; create a deployment for it",
        )
    found = routing.best_match(((r.get_path(), 0, r) for r in list(api.resources.values())), request.path)
    method = _method(found[0], request.method) if found else None
    if found is None or method is None:
        return gateway_error(
            403, MISSING_TOKEN, reason=f"no resource and method match {request.method} {request.path}"
        )
    resource, params = found
    integration = method.method_integration
    if integration is None:
        return gateway_error(
            500, INTERNAL_ERROR, reason=f"{request.method} {resource.get_path()} has no integration"
        )
    timeout = integrations.timeout_s(integration.timeout_in_millis)
    kind = integration.integration_type
    if kind == "AWS_PROXY":
        target = events.Target(
            api_id,
            stage_name,
            resource.get_path(),
            params,
            dict(stage.variables or {}),
            resource.id,
            events.execute_api_domain(api_id, api.region_name),
            api.account_id,
        )
        event = events.rest_event(request, target, list(api.binaryMediaTypes or []))
        source = integrations.execute_api_arn(
            api.region_name, api.account_id, api_id, stage_name, request.method, resource.get_path()
        )
        return integrations.call_lambda(
            runtime, integration.uri, event, "1.0", timeout, REST_FAILURES, source
        )
    if kind == "HTTP_PROXY":
        return integrations.call_http(
            request,
            integration.uri,
            integration.http_method or request.method,
            _http_params(integration, params),
            timeout,
        )
    return gateway_error(
        500, INTERNAL_ERROR, reason=f"the sandbox runs AWS_PROXY and HTTP_PROXY integrations, not {kind}"
    )
