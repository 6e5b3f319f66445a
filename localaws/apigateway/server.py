"""The data plane's HTTP server: a werkzeug server on loopback that hands each request to its API kind."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from localaws.apigateway import function_url, http_api, rest
from localaws.apigateway.messages import NOT_FOUND, HttpRequest, HttpResponse, gateway_error
from localaws.apigateway.urls import FUNCTION_URL_PREFIX, HTTP_PREFIX, REST_PREFIX, USER_REQUEST
from localaws.net import NoDelayRequestHandler

RAW_HEADERS = "localaws.raw_headers"


class _NoDelayHandler(NoDelayRequestHandler, WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections open between requests, as clients expect

    def make_environ(self) -> dict[str, Any]:
        """WSGI's environ, plus the headers as the client sent them: WSGI title-cases names and joins repeats."""
        environ = super().make_environ()
        environ[RAW_HEADERS] = list(self.headers.items())
        return environ


def to_http_request(request: Request, path: str) -> HttpRequest:
    """The werkzeug request as the gateway sees it, with `path` (what follows the gateway prefix)."""
    return HttpRequest(
        method=request.method,
        path=path if path.startswith("/") else f"/{path}",
        raw_query=request.query_string.decode("latin-1"),
        query=list(request.args.items(multi=True)),
        headers=list(request.environ.get(RAW_HEADERS) or request.headers.items()),
        body=request.get_data(),
        source_ip=request.remote_addr or "127.0.0.1",
        host=request.host,
        url_path=request.path,
    )


def dispatch(runtime: Any, request: Request) -> HttpResponse:
    """Route a request by its prefix to the REST, HTTP API or function URL handler."""
    kind, _, rest_of_path = request.path.lstrip("/").partition("/")
    if kind == REST_PREFIX:
        api_id, _, after = rest_of_path.partition("/")
        stage, _, after = after.partition("/")
        marker, _, path = after.partition("/")
        if marker == USER_REQUEST:
            return rest.handle(runtime, api_id, stage, to_http_request(request, path))
    elif kind == HTTP_PREFIX:
        api_id, _, path = rest_of_path.partition("/")
        return http_api.handle(runtime, api_id, to_http_request(request, path))
    elif kind == FUNCTION_URL_PREFIX:
        name, _, path = rest_of_path.partition("/")
        return function_url.handle(runtime, name, to_http_request(request, path))
    return gateway_error(
        404,
        NOT_FOUND,
        reason="use /restapis/<id>/<stage>/_user_request_/..., /apis/<id>/... or /lambda-url/<function>/...",
    )


class DataPlane:
    """Serves the sandbox's REST APIs, HTTP APIs and function URLs over HTTP on 127.0.0.1."""

    def __init__(self, runtime: Any, port: int = 0) -> None:
        self.runtime = runtime
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, self._app, threaded=True, request_handler=_NoDelayHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="apigateway", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL of the data plane, e.g. http://127.0.0.1:45123."""
        return f"http://127.0.0.1:{self.port}"

    def _app(self, environ: dict, start_response: Any) -> Any:
        answer = dispatch(self.runtime, Request(environ))
        response = Response(answer.body, status=answer.status)
        response.headers.clear()
        for key, value in answer.headers:
            response.headers.add(key, value)
        return response(environ, start_response)

    def stop(self) -> None:
        """Stop serving and wait for the server thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
