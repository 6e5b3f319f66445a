"""A stand-in for a service's pods behind a load balancer: a small HTTP server on loopback, in a thread.

In the hybrid lab a Kubernetes service cannot really run, so this server answers in its place. It replies to
every request with JSON naming the service and echoing the request, and it records what it received, so a test
can tell that a request really travelled through API Gateway to it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_running: dict[str, StandInService] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Received:
    """One request the stand-in answered."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str


@dataclass
class StandInService:
    """A running stand-in: its name, loopback URL and the requests it has answered."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    server: ThreadingHTTPServer = field(init=False)  # made with a handler that records into this service
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The base URL to register as the load balancer's target, e.g. http://127.0.0.1:40123."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, request: Received) -> dict[str, Any]:
        """The JSON body sent back for a request: who answered, what was asked, and the service's data."""
        self.received.append(request)
        return {
            "service": self.name,
            "served_by": f"{self.name}-pod",
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "probe": request.headers.get("x-course-probe", ""),  # echoed, so a test knows its request arrived
            **self.data,
        }

    def stop(self) -> None:
        """Stop serving and free the port."""
        with _lock:
            if _running.get(self.name) is self:
                del _running[self.name]
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StandInService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_class(service: StandInService) -> type[BaseHTTPRequestHandler]:
    """A request handler bound to one stand-in."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            parts = urlsplit(self.path)
            request = Received(
                self.command,
                parts.path,
                parts.query,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length).decode(errors="replace") if length else "",
            )
            body = json.dumps(service.answer(request)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("x-served-by", f"{service.name}-pod")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            """Stay quiet: a notebook cell should not fill with access logs."""

    return Handler


@dataclass(frozen=True)
class StandInAddress:
    """A stand-in running in another process (the sandbox's own, while a notebook is graded): its name and URL."""

    name: str
    url: str


def start_standin(name: str, data: dict[str, Any] | None = None) -> StandInService:
    """Start a stand-in called `name` on a free loopback port of this process, replacing one of that name.

    `localaws.sandbox.start_standin` starts it wherever the sandbox's data plane runs (this process, or the
    sandbox's own program while a notebook is graded).
    """
    with _lock:
        old = _running.pop(name, None)
    if old is not None:
        old.stop()
    service = StandInService(name, data=dict(data or {}))
    service.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(service))
    service.server.daemon_threads = True
    threading.Thread(target=service.server.serve_forever, name=f"standin-{name}", daemon=True).start()
    with _lock:
        _running[name] = service
    return service


def running_standin(name: str) -> StandInService | None:
    """The stand-in called `name` that this process runs, if any."""
    with _lock:
        return _running.get(name)


def stop_all() -> None:
    """Stop every stand-in this process started."""
    with _lock:
        services = list(_running.values())
    for service in services:
        service.stop()
