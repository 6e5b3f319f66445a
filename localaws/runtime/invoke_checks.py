"""What Lambda refuses before any code runs, checked on every path an invocation takes.

Another part of the sandbox (the function's KMS key, in localaws.secrets) registers a check here; the runtime's
`LambdaRuntime.invoke`, which every path reaches (the Invoke API, the asynchronous queue that S3, SNS and
EventBridge feed, event source mappings, API Gateway), asks `refusal(fn)` before it starts or reuses an
environment. A refusal is a `CheckRefusal`, so that the asynchronous queue can tell it from a throttle or a
fault of the sandbox: AWS returns such an event to its queue and tries again, like any 500-series error.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from localaws.runtime.errors import InvokeError

Check = Callable[[Any], InvokeError | None]
_checks: list[Check] = []
_lock = threading.Lock()


class CheckRefusal(InvokeError):
    """An invocation a registered check refused: the error Lambda answers with, before any code runs."""


def add(check: Check) -> None:
    """Run `check(fn)` before every invocation from now on; an InvokeError it returns refuses it (idempotent)."""
    with _lock:
        if check not in _checks:
            _checks.append(check)


def remove(check: Check) -> None:
    """Stop running a check that `add` registered."""
    with _lock:
        if check in _checks:
            _checks.remove(check)


def refusal(fn: Any) -> CheckRefusal | None:
    """The first refusal of the registered checks for an invocation of `fn`, or None when all let it run."""
    with _lock:
        checks = list(_checks)
    for check in checks:
        found = check(fn)
        if found is not None:
            return CheckRefusal(found.code, found.message, found.status, found.reason)
    return None


__all__ = ["Check", "CheckRefusal", "add", "refusal", "remove"]
