"""The learner's side of judging: answers the judge's requests inside the learner's kernel, as plain data.

The judge (grader/trust/judge.py) runs each test cell in the trusted grading process. When a test
names something the learner defined (a function, a value), the judge asks the kernel through this module:

    answer('{"op": "lookup", "name": "json_response"}')       -> what the name is (a function, plain data)
    answer('{"op": "call", "name": "handler", "args": ...}')  -> what calling it returned or raised

Nothing here decides anything: whatever this module (or learner code that replaced it) says is only data to
the judge, decoded there with the standard library into exact builtin types. The test's source, its expected
values and its hidden cases never come here; only the arguments a test passes to the learner's function do.
"""

from __future__ import annotations

import json
from typing import Any

from IPython import get_ipython

from grader.sources import module_source
from grader.trust import plaindata


def _namespace() -> dict[str, Any]:
    """The notebook's global names: the IPython shell's user namespace."""
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _describe(name: str, namespace: dict[str, Any]) -> dict[str, Any]:
    if name not in namespace:
        return {"kind": "missing"}
    value = namespace[name]
    if callable(value) and not isinstance(value, type):
        return {"kind": "function", "name": getattr(value, "__name__", name)}
    return {"kind": "value", "value": plaindata.encode(value)}


def _raised(error: BaseException) -> dict[str, Any]:
    """What a learner function raised: its class's names up to the builtins, and its message."""
    names = [kind.__name__ for kind in type(error).__mro__ if kind.__module__ == "builtins"]
    try:
        message = str(error)[:2000]
    except Exception:  # a learner exception whose str() raises: its type still fails the check
        message = ""
    return {"raised": {"type": type(error).__name__, "builtins": names, "message": message}}


def _call(name: str, args: list[Any], kwargs: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    function = namespace.get(name)
    if not callable(function):
        return {"missing": True}
    try:
        result = function(*args, **kwargs)
    except BaseException as error:  # the learner's function may raise anything: it is reported, never re-raised
        return _raised(error)
    return {"value": plaindata.encode(result)}


def _module_source(names: list[str], namespace: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"source": module_source(*[namespace[name] for name in names])}
    except (KeyError, AssertionError, ValueError, OSError) as error:  # reported: the check then fails
        return {"error": f"{type(error).__name__}: {error}"}


def answer(request: str, namespace: dict[str, Any] | None = None) -> str:
    """One request of the judge, answered as JSON text, from `namespace` (the notebook's, by default)."""
    asked = json.loads(request)
    names = _namespace() if namespace is None else namespace
    if asked["op"] == "lookup":
        reply = _describe(asked["name"], names)
    elif asked["op"] == "call":
        args = plaindata.decode(asked.get("args", []))
        kwargs = plaindata.decode(asked.get("kwargs", {}))
        reply = _call(asked["name"], args, kwargs, names)
    elif asked["op"] == "module_source":
        reply = _module_source([str(name) for name in asked.get("names", [])], names)
    else:
        reply = {"error": f"unknown request {asked['op']!r}"}
    return json.dumps(reply, allow_nan=False)
