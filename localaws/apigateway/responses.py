"""Turning what a Lambda proxy integration returned into the HTTP answer, by payload format 1.0 or 2.0 rules.

Format 1.0 (REST) is strict: the function must return an object with `statusCode` and only the keys API
Gateway knows, with a string body; anything else is a malformed proxy response and the client gets a 502.
Format 2.0 (HTTP APIs, function URLs) also accepts any other JSON value, which becomes a 200 application/json
answer carrying that JSON. What the client gets when the function fails depends on the endpoint, not on the
format: see `messages.Failures`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from localaws.apigateway.messages import REST_FAILURES, Failures, HttpResponse

_V1_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
_V2_KEYS = _V1_KEYS | {"cookies"}


class MalformedResponse(ValueError):
    """The function's answer breaks the proxy response rules."""


def _status(answer: dict[str, Any]) -> int:
    status = answer.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int | str) or not str(status).isdigit():
        raise MalformedResponse(f"statusCode must be an integer, got {status!r}")
    if not 100 <= int(status) <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return int(status)


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponse(f"{where} must be a string, got {type(value).__name__}")


def _headers(answer: dict[str, Any]) -> list[tuple[str, str]]:
    single, multi = answer.get("headers") or {}, answer.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResponse("headers and multiValueHeaders must be objects")
    pairs = [(str(name), _scalar(value, f"header {name}")) for name, value in single.items()]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders[{name!r}] must be a list")
        pairs += [(str(name), _scalar(value, f"header {name}")) for value in values]
    return pairs


def _body(answer: dict[str, Any]) -> bytes:
    body = answer.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {type(body).__name__}; use json.dumps")
    if answer.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise MalformedResponse("isBase64Encoded is true but body is not base64") from error
    return body.encode()


def _structured(answer: dict[str, Any], allowed: set[str]) -> HttpResponse:
    unknown = set(answer) - allowed
    if unknown:
        raise MalformedResponse(f"unexpected keys {sorted(unknown)}")
    response = HttpResponse(_status(answer), _headers(answer), _body(answer))
    cookies = answer.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be a list of strings")
    response.headers += [("Set-Cookie", _scalar(cookie, "cookie")) for cookie in cookies]
    return response


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError as error:
        raise MalformedResponse("the function did not return JSON") from error


def from_v1(payload: bytes) -> HttpResponse:
    """The HTTP answer for a payload format 1.0 proxy response."""
    answer = _decode(payload)
    if not isinstance(answer, dict):
        raise MalformedResponse("the function must return an object with statusCode")
    return _structured(answer, _V1_KEYS)


def from_v2(payload: bytes) -> HttpResponse:
    """The HTTP answer for a payload format 2.0 response: structured if it has statusCode, else JSON as-is."""
    answer = _decode(payload)
    if isinstance(answer, dict) and "statusCode" in answer:
        response = _structured(answer, _V2_KEYS)
        if response.header("content-type") is None:
            response.headers.append(("Content-Type", "application/json"))
        return response
    return HttpResponse(200, [("Content-Type", "application/json")], payload)


def lambda_answer(
    payload: bytes, function_error: str | None, version: str, failures: Failures = REST_FAILURES
) -> HttpResponse:
    """The client's answer: the function's response, or the endpoint's failure answer if the function failed or
    answered malformed (502 for REST APIs, 500 for HTTP APIs)."""
    if function_error:
        return failures.answer(failures.function_status, f"the function failed ({function_error})")
    try:
        return from_v1(payload) if version == "1.0" else from_v2(payload)
    except MalformedResponse as error:
        return failures.answer(failures.function_status, f"malformed Lambda proxy response: {error}")
