"""The request and response the data plane passes between its parts, and API Gateway's own errors."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field


@dataclass
class HttpRequest:
    """One request as the data plane received it, with the gateway prefix already removed from the path."""

    method: str
    path: str
    raw_query: str = ""
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    host: str = "127.0.0.1"
    url_path: str = ""  # the whole path the client addressed, gateway prefix included (signatures cover it)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received_at: float = field(default_factory=time.time)

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of a header, matched without regard to case."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), default)


@dataclass
class HttpResponse:
    """What the data plane answers: a status, headers (a name may repeat, e.g. Set-Cookie) and a body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


REASON_HEADER = "x-sandbox-reason"


def gateway_error(status: int, message: str, key: str = "message", reason: str | None = None) -> HttpResponse:
    """An answer API Gateway produces itself, as JSON `{"message": ...}` (function URLs spell it `Message`).

    `reason` goes in an extra header that real API Gateway does not send, so learners see why without logs.
    """
    body = json.dumps({key: message}).encode()
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", _error_type(status))]
    if reason:
        headers.append((REASON_HEADER, reason.replace("\n", " ")[:500].encode("ascii", "replace").decode()))
    return HttpResponse(status, headers, body)


def _error_type(status: int) -> str:
    return {
        403: "MissingAuthenticationTokenException",
        404: "NotFoundException",
        502: "InternalServerErrorException",
        504: "IntegrationTimeout",
    }.get(status, "InternalServerErrorException")


INTERNAL_ERROR = "Internal server error"
HTTP_API_INTERNAL_ERROR = "Internal Server Error"  # HTTP APIs capitalise it; REST APIs do not
TIMED_OUT = "Endpoint request timed out"
MISSING_TOKEN = "Missing Authentication Token"
NOT_FOUND = "Not Found"


@dataclass(frozen=True)
class Failures:
    """How one kind of endpoint answers when the function behind it fails: the status and the JSON body.

    API Gateway words these answers differently for REST APIs and HTTP APIs, so each front door names its own.
    """

    function_status: int  # a function error or a malformed response (and Lambda refusing the call with a 4xx)
    message: str  # the body's text for every failure of the Lambda integration
    key: str = "message"  # the body's one key; function URLs spell it `Message`

    def answer(self, status: int, reason: str) -> HttpResponse:
        """The gateway's own error answer with this endpoint's wording; `reason` goes in the sandbox's header."""
        return gateway_error(status, self.message, self.key, reason=reason)


# REST API proxy integrations: 502 {"message": "Internal server error"} when the function fails or answers badly.
REST_FAILURES = Failures(502, INTERNAL_ERROR)
# HTTP APIs: 500 {"message": "Internal Server Error"} for any failure of the Lambda integration.
HTTP_API_FAILURES = Failures(500, HTTP_API_INTERNAL_ERROR)
FUNCTION_URL_FAILURES = Failures(502, INTERNAL_ERROR, "Message")
