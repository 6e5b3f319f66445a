"""The events API Gateway hands a Lambda proxy integration: payload format 1.0 (REST) and 2.0 (HTTP APIs)."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from localaws.apigateway.messages import HttpRequest

ACCOUNT_ID = "123456789012"
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "+json",
    "+xml",
)


@dataclass
class Target:
    """Where the request landed: API, stage, route or resource, and the path parameters it matched."""

    api_id: str
    stage: str
    route_key: str  # "GET /items/{id}", "$default", or the REST resource path
    path_parameters: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    resource_id: str = ""
    domain_name: str = ""
    account_id: str = ACCOUNT_ID


def encode_body(request: HttpRequest, binary_types: list[str] | None = None) -> tuple[str | None, bool]:
    """The body as the event carries it and whether it is base64: text stays text, anything else is base64."""
    if not request.body:
        return None, False
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    binary = bool(binary_types) and any(_type_matches(content_type, t) for t in binary_types or [])
    if not binary and (not content_type or any(t in content_type for t in _TEXT_TYPES)):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


def _type_matches(content_type: str, pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern in ("*/*", content_type):
        return True
    return pattern.endswith("/*") and content_type.startswith(pattern[:-1])


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _request_time(epoch: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


def execute_api_domain(api_id: str, region: str) -> str:
    """The API's host name on AWS, which its events name as `domainName` (the sandbox serves it on loopback)."""
    return f"{api_id}.execute-api.{region}.amazonaws.com"


def extended_request_id() -> str:
    """An id in the form API Gateway gives `extendedRequestId`: 16 characters of base64, e.g. "LgLcpG9ViYcFvUw="."""
    return base64.b64encode(secrets.token_bytes(11)).decode()


def _identity(request: HttpRequest) -> dict[str, str | None]:
    """`requestContext.identity` of an unauthenticated caller: only its address and user agent are known."""
    unknown = ("accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
               "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId")
    return {**dict.fromkeys(unknown), "sourceIp": request.source_ip, "user": None,
            "userAgent": request.header("user-agent"), "userArn": None}


def rest_event(request: HttpRequest, target: Target, binary_types: list[str] | None = None) -> dict[str, Any]:
    """Payload format 1.0, as a REST API's AWS_PROXY integration sends it."""
    headers, query = _grouped(request.headers), _grouped(request.query)
    body, is_base64 = encode_body(request, binary_types)
    return {
        "resource": target.route_key,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {key: values[-1] for key, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {key: values[-1] for key, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": target.path_parameters or None,
        "stageVariables": target.stage_variables or None,
        "requestContext": {
            "accountId": target.account_id,
            "apiId": target.api_id,
            "resourceId": target.resource_id,
            "resourcePath": target.route_key,
            "httpMethod": request.method,
            "path": request.path if target.stage == "$default" else f"/{target.stage}{request.path}",
            "stage": target.stage,
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "extendedRequestId": extended_request_id(),
            "requestTime": _request_time(request.received_at),
            "requestTimeEpoch": int(request.received_at * 1000),
            "domainName": target.domain_name,
            "domainPrefix": target.api_id,
            "identity": _identity(request),
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_v1_event(request: HttpRequest, target: Target) -> dict[str, Any]:
    """Payload format 1.0 as an HTTP API sends it: the REST API's event, headed by its `version`."""
    return {"version": "1.0", **rest_event(request, target)}


def http_event(request: HttpRequest, target: Target, raw_path: str) -> dict[str, Any]:
    """Payload format 2.0, as HTTP APIs and function URLs send it; absent parts are left out, not null."""
    cookies = [
        c.strip() for key, value in request.headers if key.lower() == "cookie" for c in value.split(";")
    ]
    headers = {
        key.lower(): ",".join(values)
        for key, values in _grouped(request.headers).items()
        if key.lower() != "cookie"
    }
    body, is_base64 = encode_body(request)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": target.route_key,
        "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "cookies": [c for c in cookies if c],
        "headers": headers,
        "queryStringParameters": {key: ",".join(values) for key, values in _grouped(request.query).items()},
        "requestContext": {
            "accountId": target.account_id,
            "apiId": target.api_id,
            "domainName": target.domain_name,
            "domainPrefix": target.api_id,
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": request.header("user-agent", ""),
            },
            "requestId": request.request_id,
            "routeKey": target.route_key,
            "stage": target.stage,
            "time": _request_time(request.received_at),
            "timeEpoch": int(request.received_at * 1000),
        },
        "pathParameters": target.path_parameters,
        "stageVariables": target.stage_variables,
        "body": body,
        "isBase64Encoded": is_base64,
    }
    return {
        key: value for key, value in event.items() if value not in ({}, [], None) or key == "isBase64Encoded"
    }


def function_url_event(
    request: HttpRequest, target: Target, authorizer: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A function URL's request payload: format 2.0, with `authentication` null and `authorizer` the IAM caller
    (null for AuthType NONE), as the Lambda Developer Guide documents them."""
    event = http_event(request, target, request.path)
    context = event["requestContext"]
    event["requestContext"] = {
        "accountId": context.pop("accountId"), "apiId": context.pop("apiId"), "authentication": None,
        "authorizer": authorizer, **context}
    return event
