"""What Lambda refuses before any code runs, as one exception the runtime and the services around it share."""

from __future__ import annotations


class InvokeError(Exception):
    """An invocation Lambda refuses before running any code (unsupported runtime, bad package, throttle)."""

    def __init__(self, code: str, message: str, status: int = 400, reason: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.reason = code, message, status, reason


__all__ = ["InvokeError"]
