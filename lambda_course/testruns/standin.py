"""Stands in for a handler's module while a learner's tests run: each call goes to the handler served elsewhere.

The runner copies this file next to the tests under the handler module's name (`quote.py`). The handler's code is
never in the process that runs the tests, so a test can tell the handler from a changed one only by what it
answers. This file uses the standard library only: it runs where nothing of the course can be imported.
"""

from __future__ import annotations

import builtins
import json
import socket
from pathlib import Path
from typing import Any

SOCKET_NAME = ".handler.sock"  # beside this file, put there by the runner
LIMIT = 1 << 20  # bytes in one request or answer: far more than any test's event needs
CONTEXT_FIELDS = ("function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb",
                  "aws_request_id", "log_group_name", "log_stream_name")


class HandlerUnreachable(RuntimeError):
    """The handler's server did not answer: a problem of the test run, never of the tests."""


def handler(event: Any, context: Any) -> Any:
    """Call the handler with `event` and `context`, as Lambda would; its answer, or the exception it raised."""
    try:
        request = json.dumps({"event": event, "context": context_fields(context)}, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError("Lambda hands a handler its event as JSON, and this event (or a context field) cannot be "
                        f"written as JSON: {error}. Use dicts, lists, strings, numbers, booleans, None.") from None
    reply = _ask(request.encode())
    if "value" in reply:
        return reply["value"]
    raise rebuilt(reply.get("raised") or {})


def context_fields(context: Any) -> dict[str, Any] | None:
    """What the handler may read of a test's fake context: its fields, and the time it says is left."""
    if context is None:
        return None
    fields = {name: getattr(context, name) for name in CONTEXT_FIELDS if hasattr(context, name)}
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        fields["remaining_ms"] = remaining()
    return fields


def rebuilt(raised: dict[str, Any]) -> Exception:
    """The handler's exception as the test sees it: its nearest builtin class, with its message."""
    message = str(raised.get("message", ""))
    for name in raised.get("builtins", []):
        kind = getattr(builtins, str(name), None)
        if isinstance(kind, type) and issubclass(kind, Exception) and kind is not Exception:
            try:
                return kind(message)
            except TypeError:  # a builtin whose constructor wants more (UnicodeDecodeError): its base will do
                continue
    return Exception(f"{raised.get('type', 'Exception')}: {message}")


def _ask(request: bytes) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(str(Path(__file__).with_name(SOCKET_NAME)))
            connection.sendall(request + b"\n")
            connection.shutdown(socket.SHUT_WR)
            data = b""
            while chunk := connection.recv(65536):
                data += chunk
                if len(data) > LIMIT:
                    raise HandlerUnreachable("the handler's answer is too large")
        except OSError as error:
            raise HandlerUnreachable(f"the handler under test could not be reached ({error})") from None
    try:
        reply = json.loads(data)
    except ValueError:
        raise HandlerUnreachable("the handler's server answered with something that is not JSON") from None
    if not isinstance(reply, dict):
        raise HandlerUnreachable("the handler's server answered with something that is not an answer")
    return reply
