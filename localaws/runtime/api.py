"""The Lambda Runtime API (`/2018-06-01/runtime/...`) that one execution environment's runtime client polls.

This is the documented protocol that AWS's runtime interface client (awslambdaric) speaks inside every Lambda
execution environment: the client asks for the next invocation, then posts a response or an error for it, or
posts an init error if the handler could not be loaded. Each environment gets its own server on loopback.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from localaws.net import NoDelayRequestHandler, no_delay

PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    """One event handed to the runtime client, and what came back for it."""

    request_id: str
    payload: bytes
    function_arn: str
    deadline_ms: int
    trace_id: str
    client_context: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    outcome: str | None = None  # "response" or "error"
    result: bytes = b""
    error_type: str | None = None
    started_at: float = 0.0
    finished_at: float = 0.0

    def finish(self, outcome: str, body: bytes, error_type: str | None = None) -> None:
        """Record the runtime's answer once; later answers for the same request are ignored."""
        if self.done.is_set():
            return
        self.outcome, self.result, self.error_type = outcome, body, error_type
        self.finished_at = time.perf_counter()
        self.done.set()


class _NoDelayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: RuntimeAPI  # the environment's API this server answers for, set right after it is made

    def server_bind(self) -> None:
        super().server_bind()
        no_delay(self.socket)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a runtime client that went away (its environment was stopped) is not an error here


class _Handler(NoDelayRequestHandler, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _NoDelayServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    @property
    def api(self) -> RuntimeAPI:
        return self.server.api

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _status(self, status: int, message: str = "") -> None:
        self._reply(status, json.dumps({"status": message or "OK"}).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != f"{PREFIX}/invocation/next":
            return self._status(404, "unknown path")
        invocation = self.api.next_invocation()
        if invocation is None:  # the environment is shutting down
            return self._status(410, "shutting down")
        headers = {
            # awslambdaric's native client crashes if either of these two headers is missing.
            "Content-Type": "application/json",
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        self._reply(200, invocation.payload, headers)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self._body()
        if self.path == f"{PREFIX}/init/error":
            self.api.init_error(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
            return self._status(202)
        parts = self.path[len(PREFIX) :].strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
            if self.api.answer(parts[1], parts[2], body, error_type):
                return self._status(202)
            return self._status(400, "unknown or finished request id")
        self._status(404, "unknown path")


class RuntimeAPI:
    """A Runtime API server for one execution environment: a queue of invocations and their answers."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Invocation | None] = queue.Queue()
        self._current: Invocation | None = None
        self.first_poll = threading.Event()
        self.first_poll_at = 0.0
        self.init_error_body: bytes | None = None
        self.init_error_type: str | None = None
        self._server = _NoDelayServer(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="runtime-api", daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port, the value of AWS_LAMBDA_RUNTIME_API for the runtime client."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def submit(self, invocation: Invocation) -> None:
        """Queue an invocation for the runtime client's next poll."""
        self._queue.put(invocation)

    def next_invocation(self) -> Invocation | None:
        """Block until an invocation is queued: the runtime client is idle (or initialised) until then."""
        if not self.first_poll.is_set():
            self.first_poll_at = time.perf_counter()
            self.first_poll.set()
        invocation = self._queue.get()
        if invocation is not None:
            invocation.started_at = time.perf_counter()
        self._current = invocation
        return invocation

    def answer(self, request_id: str, outcome: str, body: bytes, error_type: str | None) -> bool:
        """Record a response or error for the invocation in progress."""
        current = self._current
        if current is None or current.request_id != request_id or current.done.is_set():
            return False
        current.finish(outcome, body, error_type)
        return True

    def init_error(self, body: bytes, error_type: str | None) -> None:
        """The handler could not be loaded: remember why, and fail the invocation waiting for it."""
        self.init_error_body, self.init_error_type = body, error_type
        if not self.first_poll.is_set():
            self.first_poll_at = time.perf_counter()
            self.first_poll.set()

    def close(self) -> None:
        """Stop serving; a runtime client blocked on its next poll is told to go away."""
        self._queue.put(None)

        def shut() -> None:
            self._server.shutdown()
            self._server.server_close()

        threading.Thread(target=shut, name="runtime-api-close", daemon=True).start()
