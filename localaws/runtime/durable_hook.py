"""Durable functions on every path the runtime invokes by: each invocation starts a durable execution.

Lambda Developer Guide, "Invoking durable Lambda functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html): a function with DurableConfig is invoked
synchronously, asynchronously or by an event source mapping as any other function is, and each invocation starts a
durable execution. It must be invoked with a qualified ARN (a version, an alias or `$LATEST`); Lambda refuses an
unqualified one with InvalidParameterValueException, "You cannot invoke a durable function using an unqualified
ARN." ("Event source mappings with durable functions",
https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking-esm.html: a mapping invokes synchronously and waits
for the whole execution.)

The runtime knows nothing of the durable execution service (localaws.durable sits above it): the service registers a
`DurableStarter` here when the sandbox starts, and the runtime's `invoke` and asynchronous queue hand it every
invocation of a durable function that reaches them: triggers, event source mappings, API Gateway and function URLs,
EventBridge, S3, SNS, alarm actions, and destinations that are functions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from localaws.runtime.environment import Outcome
from localaws.runtime.errors import InvokeError

INVALID = "InvalidParameterValueException"
UNQUALIFIED = "You cannot invoke a durable function using an unqualified ARN."


class DurableStarter(Protocol):
    """What the durable execution service offers the runtime."""

    def prepare(self, fn: Any, payload: bytes, name: str | None) -> Any:
        """An execution of `fn` (the version that runs), created, named and given its ARN (`.arn`), not started."""

    def launch(self, prepared: Any, on_end: Callable[[Outcome], None]) -> None:
        """Start a prepared execution; `on_end` gets its outcome once it has ended, however it ended."""

    def run(self, fn: Any, payload: bytes) -> Outcome:
        """Start an execution and wait for it, as a synchronous invocation does: its result or its error."""

    def abandon(self, prepared: Any, reason: str) -> None:
        """Stop a prepared execution that will never start (its event left the queue first)."""


_starter: list[DurableStarter] = []
_lock = threading.Lock()


def set_starter(starter: DurableStarter | None) -> None:
    """Have `starter` start the executions of durable functions from now on (None: no service runs)."""
    with _lock:
        _starter[:] = [] if starter is None else [starter]


def is_durable(fn: Any) -> bool:
    """Whether `fn` was created with DurableConfig, so that Lambda runs it as durable executions."""
    return bool(getattr(fn, "durable_config", None))


def starter() -> DurableStarter:
    """The registered starter; a 500 InvokeError when no durable execution service runs in this sandbox."""
    with _lock:
        found = list(_starter)
    if not found:
        raise InvokeError("ServiceException", "This function is durable (DurableConfig), but no durable execution "
                          "service runs in the sandbox: start it with localaws.sandbox.start().", 500)
    return found[0]


def is_qualified(invoked: str) -> bool:
    """Whether a function name or ARN as invoked ends with a version, an alias or $LATEST."""
    parts = invoked.split(":")
    if invoked.startswith("arn:"):
        return len(parts) > 7 and bool(parts[7])
    if len(parts) >= 3 and parts[1] == "function":  # a partial ARN, `<account>:function:<name>[:<qualifier>]`
        return len(parts) > 3 and bool(parts[3])
    return len(parts) == 2 and bool(parts[1])


def refusal(invoked: str) -> InvokeError | None:
    """Lambda's refusal of a durable function invoked by an unqualified name or ARN, or None."""
    if is_qualified(invoked):
        return None
    return InvokeError(INVALID, f"{UNQUALIFIED} Invoke {invoked} with a version, an alias or $LATEST "
                                "(name:1, name:live or name:$LATEST), or point the trigger at one.", 400)


def run(fn: Any, payload: bytes, invoked: str) -> Outcome:
    """A synchronous invocation of a durable function: refused when unqualified, else its execution's outcome."""
    refused = refusal(invoked)
    if refused is not None:
        raise refused
    return starter().run(fn, payload)


__all__ = ["INVALID", "UNQUALIFIED", "DurableStarter", "is_durable", "is_qualified", "refusal", "run",
           "set_starter", "starter"]
