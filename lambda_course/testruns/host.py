"""Serves a handler to a test run: one JSON request (event and context fields) in, one JSON answer out.

The handler is course code (the lab's handler or one of its mutants), compiled here from its source. What comes
in is a learner's test data, decoded by the `json` module into plain values only; no code of the learner's runs
here. The standard library's `socketserver` does the serving; each request is answered on its own thread.
"""

from __future__ import annotations

import json
import socketserver
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lambda_course.testruns.standin import LIMIT

Handler = Callable[[Any, Any], Any]


class FakeContext:
    """The test's context object rebuilt from its fields: what the test set, and nothing it did not."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self._remaining = fields.pop("remaining_ms", None)
        for name, value in fields.items():
            setattr(self, name, value)

    def get_remaining_time_in_millis(self) -> Any:
        """What the test's context said is left; AttributeError when its context had no such method."""
        if self._remaining is None:
            raise AttributeError("the test's context has no get_remaining_time_in_millis")
        return self._remaining


def load_handler(source: str, module: str, name: str = "handler") -> Handler:
    """The function `name` of a module made from `source` (course code: the lab's handler or a mutant of it)."""
    namespace = types.ModuleType(module)
    exec(compile(source, f"<{module}>", "exec"), namespace.__dict__)  # noqa: S102 - the course's own handler
    function = getattr(namespace, name, None)
    if not callable(function):
        raise ValueError(f"the module {module!r} defines no function {name!r}")
    return function


def answer(function: Handler, request: bytes) -> dict[str, Any]:
    """The handler's answer to one request: its return value, or what it raised (class names and message)."""
    asked = json.loads(request)
    fields = asked.get("context")
    context = FakeContext(dict(fields)) if isinstance(fields, dict) else None
    try:
        value = function(asked.get("event"), context)
    except Exception as error:  # the handler's failure is the answer a test may expect; it is reported, never kept
        return {"raised": raised(error)}
    return {"value": value}


def raised(error: BaseException) -> dict[str, Any]:
    """An exception as plain data: its class's builtin ancestors, nearest first, and its message."""
    names = [kind.__name__ for kind in type(error).__mro__ if kind.__module__ == "builtins"]
    return {"type": type(error).__name__, "builtins": names, "message": str(error)[:2000]}


class _Requests(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        request = self.rfile.read(LIMIT + 1)
        if len(request) > LIMIT:
            reply: dict[str, Any] = {"raised": {"type": "ValueError", "builtins": ["ValueError"],
                                                "message": "the event is larger than a test run accepts"}}
        else:
            try:
                reply = answer(self.server.function, request)  # type: ignore[attr-defined]  # set in serving()
            except ValueError as error:  # not JSON: the stand-in always sends JSON, so this is a stray client
                reply = {"raised": raised(ValueError(f"not a request: {error}"))}
        try:
            data = json.dumps(reply, allow_nan=False).encode()
        except (TypeError, ValueError) as error:
            data = json.dumps({"raised": raised(TypeError(f"the handler's answer is not JSON: {error}"))}).encode()
        self.wfile.write(data)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


@contextmanager
def serving(function: Handler, socket_path: Path) -> Iterator[Path]:
    """Serve `function` on a unix socket at `socket_path` while the block runs (any local user may connect)."""
    server = _Server(str(socket_path), _Requests)
    server.function = function  # type: ignore[attr-defined]  # read by _Requests
    socket_path.chmod(0o666)  # the tests run as the jail's own user
    thread = threading.Thread(target=server.serve_forever, name="handler-host", daemon=True)
    thread.start()
    try:
        yield socket_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        socket_path.unlink(missing_ok=True)
