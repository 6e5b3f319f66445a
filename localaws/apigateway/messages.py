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
TIMED_OUT = "Endpoint request timed out"
MISSING_TOKEN = "Missing Authentication Token"
NOT_FOUND = "Not Found"
