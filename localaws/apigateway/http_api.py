"""HTTP APIs (API Gateway v2): find the stage and the route, then run the route's integration.

When the Lambda integration fails (the function raises, or answers in a shape API Gateway cannot use) an HTTP
API answers 500 {"message": "Internal Server Error"}, whatever the payload format; a REST API answers 502.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, TypeVar

from localaws.apigateway import events, integrations, lookup, private, routing
from localaws.apigateway.messages import (
    HTTP_API_FAILURES,
    HTTP_API_INTERNAL_ERROR,
    NOT_FOUND,
    HttpRequest,
    HttpResponse,
    gateway_error,
)
from localaws.apigateway.urls import DEFAULT_STAGE

T = TypeVar("T")


def split_stage(api: Any, path: str) -> tuple[str, str] | None:
    """(stage, route path): a first segment naming a stage selects it, else the $default stage serves."""
    first = routing.segments(path)[:1]
    if first and first[0] != DEFAULT_STAGE and first[0] in api.stages:
        return first[0], path[len(first[0]) + 1 :] or "/"
    return (DEFAULT_STAGE, path) if DEFAULT_STAGE in api.stages else None


def select_route(routes: Iterable[tuple[str, T]], method: str, path: str) -> tuple[T, dict[str, str]] | None:
    """The route (by route key) serving a request: the most specific path, an exact method before ANY, then
    the `$default` route; None when nothing matches."""
    routes = list(routes)
    candidates = []
    for route_key, item in routes:
        verb, _, template = route_key.partition(" ")
        if template and verb in (method, "ANY"):
            candidates.append((template, 0 if verb == method else 1, item))
    found = routing.best_match(candidates, path)
    if found is None:
        default = next((item for route_key, item in routes if route_key == "$default"), None)
        return (default, {}) if default is not None else None
    return found


def handle(runtime: Any, api_id: str, request: HttpRequest) -> HttpResponse:
    """Answer one request to `/apis/<api_id><request.path>` (the path still carries any stage name)."""
    api = lookup.http_api(api_id)
    if api is None:
        return gateway_error(404, NOT_FOUND, reason=f"no HTTP API with id {api_id} exists")
    staged = split_stage(api, request.path)
    if staged is None:
        return gateway_error(
            404,
            NOT_FOUND,
            reason=f"HTTP API {api_id} has no $default stage and no stage named by the first path segment",
        )
    stage_name, route_path = staged
    found = select_route(((r.route_key, r) for r in list(api.routes.values())), request.method, route_path)
    if found is None:
        return gateway_error(404, NOT_FOUND, reason=f"no route matches {request.method} {route_path}")
    route, params = found
    integration = api.integrations.get((route.target or "").removeprefix("integrations/"))
    if integration is None:
        return gateway_error(404, NOT_FOUND, reason=f"route {route.route_key!r} has no integration target")
    response = _run(runtime, api, stage_name, route, params, integration, request, route_path)
    response.headers.append(("apigw-requestid", request.request_id))
    return response


def _source_arn(api: Any, stage_name: str, route: Any, method: str) -> str:
    template = route.route_key.partition(" ")[2] or route.route_key
    backend = api.backend
    return integrations.execute_api_arn(
        backend.region_name, backend.account_id, api.api_id, stage_name, method, template
    )


def _run(
    runtime: Any,
    api: Any,
    stage_name: str,
    route: Any,
    params: dict[str, str],
    integration: Any,
    request: HttpRequest,
    route_path: str,
) -> HttpResponse:
    timeout = integrations.timeout_s(integration.timeout_in_millis)
    stage = api.stages[stage_name]
    kind = integration.integration_type
    if kind == "AWS_PROXY":
        version = integration.payload_format_version or "2.0"
        target = events.Target(
            api.api_id,
            stage_name,
            route.route_key,
            params,
            dict(stage.stage_variables or {}),
            route.route_id,
            events.execute_api_domain(api.api_id, api.backend.region_name),
            api.backend.account_id,
        )
        if version == "1.0":
            target.route_key = route.route_key.partition(" ")[2] or "$default"
            event = events.http_v1_event(replace(request, path=route_path), target)
        else:
            event = events.http_event(request, target, request.path)
        source = _source_arn(api, stage_name, route, request.method)
        return integrations.call_lambda(
            runtime, integration.integration_uri, event, version, timeout, HTTP_API_FAILURES, source
        )
    if kind in ("HTTP_PROXY", "HTTP"):
        refused = private.connection_problem(api, integration)
        if refused is not None:
            return refused
        method = integration.integration_method or request.method
        return integrations.call_http(request, integration.integration_uri, method, params, timeout)
    return gateway_error(
        500, HTTP_API_INTERNAL_ERROR, reason=f"the sandbox runs AWS_PROXY and HTTP_PROXY integrations, not {kind}"
    )
