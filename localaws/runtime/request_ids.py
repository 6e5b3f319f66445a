"""One request id per Invoke call: the id its response names is the id its invocation runs and logs under.

On Lambda the RequestId of an Invoke response (the x-amzn-RequestId header) is the id in the invocation's START,
END and REPORT lines and in `context.aws_request_id`. The sandbox's server assigns the id as an Invoke request
arrives (`assigned`), and the execution environment takes it for the invocation that request runs (`claim`);
an invocation with no id assigned (a trigger's, say) gets a fresh one.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

_assigned: ContextVar[str | None] = ContextVar("assigned_request_id", default=None)


def new() -> str:
    """A request id in Lambda's form, a UUID."""
    return str(uuid.uuid4())


@contextlib.contextmanager
def assigned(request_id: str) -> Iterator[None]:
    """Within it, the next invocation started by this thread runs under `request_id`."""
    token = _assigned.set(request_id)
    try:
        yield
    finally:
        _assigned.reset(token)


def claim() -> str:
    """The id assigned to the request being served (handed out once), else a fresh one."""
    request_id = _assigned.get()
    if request_id is None:
        return new()
    _assigned.set(None)
    return request_id
