"""The one error an invalid event pattern raises, worded the way EventBridge words it."""

from __future__ import annotations

REASON_PREFIX = "Event pattern is not valid. Reason: "


class InvalidEventPattern(ValueError):
    """A pattern EventBridge would refuse; `reason` is the service's explanation, `str()` its full message."""

    def __init__(self, reason: str) -> None:
        super().__init__(REASON_PREFIX + reason)
        self.reason = reason
