"""Checks that lab test cells call: one line per check, and a message a learner can act on when one fails.

Every check raises AssertionError whose message says what went wrong and what to try; the self-check command
and the feedback show that message instead of a traceback. The `check_*` functions of lab 1 return None, so
a test cell that ends with one displays nothing (nbgrader would read a displayed number as a partial score).
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from grader.sources import module_source as module_source  # notebooks import it from here

Handler = Callable[[dict, Any], Any]


class CheckFailed(AssertionError):
    """A check's own verdict, told apart from an AssertionError raised inside learner code."""


# --- building requests --------------------------------------------------------------------------------------


def http_event(
    method: str = "GET",
    path: str = "/",
    body: Any = None,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway HTTP API event (payload format 2.0), as Lambda hands it to a handler.

    A dict or list `body` is sent as JSON; a string is sent as it is; `base64_body` encodes it the way API
    Gateway does for binary payloads.
    """
    all_headers = {"host": "api.example.com", "user-agent": "curl/8.5.0", **dict(headers or {})}
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": all_headers["user-agent"],
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body)
        if not isinstance(body, str):
            all_headers.setdefault("content-type", "application/json")
        event["body"] = base64.b64encode(text.encode()).decode() if base64_body else text
    return event


def describe_request(event: Mapping[str, Any]) -> str:
    """A one-line summary of an HTTP event for messages: method, path and body."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "?")
    line = f"{method} {event.get('rawPath', '/')}"
    if "body" not in event:
        return f"{line} (no body)"
    body = event["body"]
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode(errors="replace")
        return f"{line} with base64-encoded body {_short(body)}"
    return f"{line} with body {_short(body)}"


# --- packaging a handler written in notebook cells ----------------------------------------------------------


# --- calling a handler and checking its answer --------------------------------------------------------------


def call_handler(handler: Handler, event: Mapping[str, Any], context: Any = None) -> Any:
    """Call a handler the way Lambda does; turn an exception it raises into a message about the request."""
    assert callable(handler), f"Expected your handler function, got {type(handler).__name__}: {handler!r}."
    try:
        return handler(dict(event), context)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as error:  # learner code may raise anything; each failure fails the check, never passes it
        raise AssertionError(
            f"Your handler raised {type(error).__name__}: {error} when it got {describe_request(event)}. "
            "On Lambda, that would reach the caller as a 500 error (or an invocation error). A handler "
            "should catch what it can foresee, such as bad input, and answer with a 4xx response instead."
        ) from None


def check_http_response(
    result: Any,
    status: int | range | None = None,
    json_body: Any = None,
    *,
    body_keys: list[str] | None = None,
) -> None:
    """Check `result` is an HTTP API response: statusCode, JSON content-type and a JSON body.

    `status` is an exact code or a range (range(400, 500) for any 4xx); `json_body`, when given, is the body
    expected once parsed (numbers compared to the cent); `body_keys` lists keys the body must have.
    """
    assert isinstance(result, dict), (
        f"The handler should return a dict (with statusCode, headers and body), but it returned "
        f"{type(result).__name__}: {_short(result)}."
    )
    missing = [key for key in ("statusCode", "headers", "body") if key not in result]
    assert not missing, (
        f"The response is missing {', '.join(missing)}. An HTTP API response is a dict with statusCode, "
        f"headers and body; yours has: {', '.join(result) or 'nothing'}."
    )
    code = result["statusCode"]
    assert isinstance(code, int) and not isinstance(code, bool), (
        f"statusCode should be a whole number such as 200, not {type(code).__name__} {code!r}."
    )
    _check_status(code, status, result.get("body"))
    _check_json_content_type(result["headers"])
    body = parse_json_body(result)
    if body_keys:
        absent = [key for key in body_keys if not isinstance(body, dict) or key not in body]
        assert not absent, (
            f"The response body should have the key(s) {', '.join(absent)}; it was {_short(body)}."
        )
    if json_body is not None:
        assert same_json(body, json_body), (
            f"The response body was {_short(body, 200)} but it should be {_short(json_body, 200)}."
        )


def _check_status(code: int, expected: int | range | None, body: Any) -> None:
    """Assert the status code matches an exact code or a range, quoting the body to help find out why."""
    if expected is None:
        return
    ok = code in expected if isinstance(expected, range) else code == expected
    want = _describe_status(expected)
    assert ok, f"The response has statusCode {code}, but it should be {want}. Its body was {_short(body)}."


def _describe_status(expected: int | range) -> str:
    """'200' or 'a 4xx code (400 to 499)'."""
    if isinstance(expected, range):
        return f"a {str(expected.start)[0]}xx code ({expected.start} to {expected.stop - 1})"
    return str(expected)


def _check_json_content_type(headers: Any) -> None:
    """Assert the headers are a dict saying the body is JSON, whatever the header name's case."""
    assert isinstance(headers, dict), f"headers should be a dict of header names to values, not {headers!r}."
    content_type = {str(k).lower(): v for k, v in headers.items()}.get("content-type", "")
    assert str(content_type).split(";")[0].strip().lower() == "application/json", (
        f"The content-type header should be application/json, so clients know the body is JSON; "
        f"the headers were {headers!r}."
    )


def parse_json_body(result: Mapping[str, Any]) -> Any:
    """The response body parsed as JSON, with a message when it is not a JSON string."""
    body = result.get("body")
    assert isinstance(body, str), (
        f"The body should be a string holding JSON (use json.dumps), "
        f"not {type(body).__name__}: {_short(body)}."
    )
    try:
        return json.loads(body)
    except ValueError:
        raise AssertionError(
            f"The body is not valid JSON: {_short(body)}. Build it with json.dumps(...)."
        ) from None


def header(result: Mapping[str, Any], name: str) -> str | None:
    """A response header's value, looked up without regard to case (HTTP header names ignore case)."""
    headers = result.get("headers") or {}
    return {str(k).lower(): v for k, v in headers.items()}.get(name.lower())


def check_header(result: Mapping[str, Any], name: str, value: str) -> None:
    """Check a response carries header `name` with `value` (the value compared without regard to case)."""
    actual = header(result, name)
    assert actual is not None, (
        f"The response should have a {name!r} header; its headers were {result.get('headers')}."
    )
    assert str(actual).strip().lower() == value.lower(), (
        f"The {name!r} header should be {value!r}, not {actual!r}."
    )


def same_json(actual: Any, expected: Any, tolerance: float = 0.005) -> bool:
    """True when two JSON values are equal, comparing numbers within `tolerance` (half a cent by default)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, abs_tol=tolerance)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(same_json(actual[k], expected[k]) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(map(same_json, actual, expected))
    return actual == expected


def check_equal(actual: Any, expected: Any, what: str) -> None:
    """Check a value equals what was expected (numbers to the cent), naming what was computed."""
    assert same_json(actual, expected), (
        f"{what} gave {_short(actual, 200)}, but it should give {_short(expected, 200)}."
    )


def check_handler_returns_4xx_on_bad_input(
    handler: Handler, event: Mapping[str, Any], *, status: int | None = None, error_key: str | None = "error"
) -> None:
    """Check a handler answers a bad request with a 4xx JSON response and an error message, not by raising."""
    result = call_handler(handler, event)
    expected: int | range = status if status is not None else range(400, 500)
    assert isinstance(result, dict) and "statusCode" in result, (
        f"For {describe_request(event)} the handler returned {_short(result)}; it should return a response "
        f"dict with statusCode {_describe_status(expected)}."
    )
    code = result["statusCode"]
    ok = code == status if status is not None else isinstance(code, int) and 400 <= code < 500
    assert ok, (
        f"For {describe_request(event)} the handler answered {code}, but this request is the client's "
        f"mistake, so it should get {_describe_status(expected)}."
    )
    check_http_response(result)
    body = parse_json_body(result)
    if error_key:
        message = body.get(error_key) if isinstance(body, dict) else None
        assert isinstance(message, str) and message.strip(), (
            f"For {describe_request(event)} the body should explain the problem in an {error_key!r} field "
            f"(a non-empty string); it was {_short(body)}."
        )


# --- deployed functions -------------------------------------------------------------------------------------


def invoke_deployed(name: str, event: Any = None) -> Any:
    """Invoke a function deployed in the sandbox and return its payload; a failed invoke becomes a message."""
    from botocore.exceptions import BotoCoreError, ClientError  # botocore loads at first use: start-up time

    from lambda_course.deploy import invoke  # imports boto3: start-up time

    try:
        invocation = invoke(name, event)
    except (ClientError, BotoCoreError) as error:  # AWS's answer (no such function), or no sandbox to reach
        raise CheckFailed(_invoke_failure_message(name, error)) from None
    return invocation_payload(invocation, event, name=name)


def invocation_payload(invocation: Any, event: Any = None, *, name: str = "your function") -> Any:
    """What the handler returned in an Invocation (from lambda_course.deploy.invoke), which must have no error."""
    assert hasattr(invocation, "function_error") and hasattr(invocation, "payload"), (
        f"Expected what invoke(...) returns, got {type(invocation).__name__}: {_short(invocation)}. "
        "Store the result of invoke(FUNCTION_NAME, event) in the variable the question names."
    )
    if invocation.function_error:
        raise CheckFailed(_function_error_message(name, invocation.payload, invocation.log, event))
    return invocation.payload


def deployed(name: str) -> Handler:
    """A handler-like callable that invokes the deployed function `name`, so the same checks apply to it."""

    def call(event: dict, context: Any = None) -> Any:
        return invoke_deployed(name, event)

    call.__name__ = f"deployed:{name}"
    return call


def _invoke_failure_message(name: str, error: Exception) -> str:
    """Explain why an invoke call itself failed: no function by that name, or no sandbox."""
    text = str(error)
    if "ResourceNotFound" in f"{type(error).__name__} {text}" or "not found" in text.lower():
        return (
            f"There is no function called {name!r} in the sandbox. Run your deploy cell first, and check the "
            "name you gave deploy_function."
        )
    if "connect" in text.lower() or "endpoint" in text.lower():
        return (f"Could not reach the sandbox ({type(error).__name__}: {_short(text, 160)}). Run the cell that "
                "calls sandbox.start(), then try again.")
    return f"Invoking {name!r} failed: {type(error).__name__}: {text}"


def _function_error_message(name: str, payload: Any, log: str, event: Any) -> str:
    """Explain an invocation whose handler failed, with the error Lambda reported and the end of the log."""
    if isinstance(payload, dict):
        kind, message = payload.get("errorType", "Error"), payload.get("errorMessage", "")
    else:
        kind, message = "Error", str(payload)
    is_http = isinstance(event, dict) and "requestContext" in event
    request = describe_request(event) if is_http else _short(event)
    hint = ""
    if kind in ("NameError", "Runtime.ImportModuleError", "ImportModuleError"):
        hint = (
            " Everything the handler uses must be in the deployed code: pass each function whose cell it "
            "needs to module_source, and keep imports in those cells."
        )
    elif kind == "Sandbox.Timedout" or "timed out" in message.lower():
        hint = " The function ran out of time: look for slow or endless work in the handler."
    tail = "\n".join(line for line in log.splitlines()[-6:] if line.strip())
    log_part = f"\nEnd of the function's log:\n{tail}" if tail else ""
    return f"The deployed function {name!r} failed on {request} with {kind}: {message}.{hint}{log_part}"


def _short(value: Any, limit: int = 120) -> str:
    """A value's repr cut to `limit` characters, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

