"""moto's server, bound to loopback on a free port, with TCP_NODELAY on every connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


def _request_handler() -> type:
    from moto.moto_server.threaded_moto_server import MotoRequestHandler

    class NoDelayRequestHandler(MotoRequestHandler):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            super().setup()
            # Small responses written in pieces would otherwise wait ~40 ms for a delayed ACK.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_request(self, *args: object, **kwargs: object) -> None:
            pass

    return NoDelayRequestHandler


_apps: dict[str, Any] = {}  # moto's per-service apps only route requests: one per service serves any sandbox


def backend_app(service: str) -> Any:
    """moto's app for `service`, built once per process (building lambda's takes about a quarter second)."""
    app = _apps.get(service)
    if app is None:
        from moto.moto_server.werkzeug_app import create_backend_app

        app = _apps[service] = create_backend_app(service)  # type: ignore[arg-type]
    return app


def _app_factory(before_first_call: Callable[[str], None] | None) -> Callable[[str], Any]:
    """moto's factory of per-service apps, calling `before_first_call(service)` before it hands each one out."""

    def create_app(service: str) -> Any:
        if before_first_call is not None:
            before_first_call(service)  # moto asks once per server, on the first request that names the service
        return backend_app(service)

    return create_app


class MotoServer:
    """A moto server running in a background thread of this process."""

    def __init__(self, port: int = 0, before_first_call: Callable[[str], None] | None = None) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        app = DomainDispatcherApplication(_app_factory(before_first_call))
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=_request_handler()
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
