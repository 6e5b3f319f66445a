"""What the sandbox's server does for Lambda's Invoke action before and after moto answers it.

Two things Lambda does that moto's answer does not. The response names the invocation's own request id (moto
stamps a random id of its own on every response), so the id a caller gets back is the one in the function's
START/END/REPORT lines and in `context.aws_request_id`. And a qualifier may come in the function name
(`name:alias`, or a qualified ARN) as well as in the Qualifier parameter; either way the handler's
`context.invoked_function_arn` carries it, so the server passes a qualifier found in the name on as the
parameter too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from localaws.runtime import request_ids

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_REQUEST_ID = "x-amzn-requestid"
# the forms of FunctionName that carry a qualifier, by how many `:`-separated parts they have
_QUALIFIED_PARTS = {"arn": 8, "account": 4, "name": 2}


def qualifier_in_name(name: str) -> str | None:
    """The version or alias a FunctionName carries (`f:live`, `123456789012:function:f:live`, a full ARN)."""
    parts = name.split(":")
    form = "arn" if name.startswith("arn:") else "account" if len(parts) > 2 else "name"
    return (parts[-1] or None) if len(parts) == _QUALIFIED_PARTS[form] else None


def _add_qualifier(environ: dict[str, Any], name: str) -> None:
    """Pass a qualifier found in the function name on as the Qualifier parameter, unless one is given."""
    qualifier = qualifier_in_name(unquote(name))
    query = environ.get("QUERY_STRING", "")
    if qualifier is None or "Qualifier" in parse_qs(query):
        return
    environ["QUERY_STRING"] = f"{query}&" * bool(query) + f"Qualifier={quote(qualifier, safe='')}"


def _naming(start_response: Callable[..., Any], request_id: str) -> Callable[..., Any]:
    """`start_response` with the response's request id replaced by the invocation's."""

    def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        kept = [(key, value) for key, value in headers if key.lower() != _REQUEST_ID]
        return start_response(status, [*kept, ("x-amzn-RequestId", request_id)], *args)

    return start


def wrap(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """moto's WSGI app, with Invoke requests answered under their invocation's request id and qualifier."""

    def front(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        found = _INVOKE.match(environ.get("PATH_INFO", ""))
        if found is None:
            return app(environ, start_response)
        _add_qualifier(environ, found["name"])
        request_id = request_ids.new()
        with request_ids.assigned(request_id):
            return app(environ, _naming(start_response, request_id))

    return front
