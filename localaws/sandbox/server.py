"""moto's server, bound to loopback on a free port, with TCP_NODELAY on every connection."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from localaws.net import NoDelayRequestHandler
from localaws.sandbox import invoke_front


def _request_handler() -> type:
    from moto.moto_server.threaded_moto_server import MotoRequestHandler  # moto loads at sandbox start: start-up time

    class MotoNoDelayHandler(NoDelayRequestHandler, MotoRequestHandler):
        """moto's request handler, with TCP_NODELAY and without its access log."""

    return MotoNoDelayHandler


_apps: dict[str, tuple[frozenset[str], Any]] = {}  # per service: the URL patterns it was built with, the app


def backend_app(service: str) -> Any:
    """moto's app for `service`, built once per process (building lambda's takes about a quarter second).

    moto's per-service apps only route requests, so one serves every sandbox of a process. An app is built
    again when the service's URL patterns have changed since, as when a patch adds a route moto lacks.
    """
    routes = _url_patterns(service)
    cached = _apps.get(service)
    if cached is None or cached[0] != routes:
        from moto.moto_server.werkzeug_app import create_backend_app  # moto loads at sandbox start: start-up time

        _apps[service] = (routes, create_backend_app(service))  # type: ignore[arg-type]  # moto's own loose stub
    return _apps[service][1]


def _url_patterns(service: str) -> frozenset[str]:
    """The URL patterns moto's module for `service` routes now (empty when it has no such module)."""
    try:
        urls = importlib.import_module(f"moto.{service}.urls")
    except ImportError:
        return frozenset()
    return frozenset(getattr(urls, "url_paths", {}))


def _app_factory(before_first_call: Callable[[str], None] | None) -> Callable[[str], Any]:
    """moto's factory of per-service apps, calling `before_first_call(service)` before it hands each one out."""

    def create_app(service: str) -> Any:
        if before_first_call is not None:
            before_first_call(service)  # moto asks once per server, on the first request that names the service
        return backend_app(service)

    return create_app


ADMIN_PREFIX = "/moto-api"


def without_admin(app: Any) -> Any:
    """moto's app with its own admin endpoints (reset, the request recorder, the state dump) refused.

    While a lab is graded, handlers and the learner's code reach the sandbox only as AWS would answer them.
    """

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith(ADMIN_PREFIX):
            body = b'{"message": "The sandbox\'s admin endpoints are not available while a lab is graded."}'
            start_response("403 Forbidden", [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return guarded


class MotoServer:
    """A moto server running in a background thread of this process."""

    def __init__(self, port: int = 0, before_first_call: Callable[[str], None] | None = None,
                 admin: bool = True) -> None:
        # moto loads at sandbox start: start-up time
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        app = invoke_front.wrap(DomainDispatcherApplication(_app_factory(before_first_call)))
        if not admin:
            app = without_admin(app)
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
