"""How a Lambda context object, passed to a check by a learner's code, reaches the judge.

A context is not plain data: it counts down. It crosses as its remaining time and request id (the grading
engine's codec protocol, grader/trust/plaindata.py) and is rebuilt as a `Context` that counts down again from
when it arrived, so a check of a handler's time budget sees what the learner's handler saw.
"""

from __future__ import annotations

import time
import uuid
from typing import Any


class Context:
    """A Lambda context object rebuilt from its remaining time: it counts down from when it arrived."""

    def __init__(self, remaining_ms: int, aws_request_id: str = "") -> None:
        self.deadline = time.monotonic() + remaining_ms / 1000
        self.aws_request_id = aws_request_id or uuid.uuid4().hex

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline, never below 0, as Lambda reports it."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class LambdaContextCodec:
    """Anything with Lambda's `get_remaining_time_in_millis()` crosses as its remaining time and request id."""

    name = "lambda-context"

    def accepts(self, value: Any) -> bool:
        return callable(getattr(value, "get_remaining_time_in_millis", None))

    def encode(self, value: Any) -> dict[str, Any]:
        return {"remaining_ms": int(value.get_remaining_time_in_millis()),
                "aws_request_id": str(getattr(value, "aws_request_id", ""))}

    def decode(self, data: dict[str, Any]) -> Context:
        return Context(int(data["remaining_ms"]), str(data.get("aws_request_id", "")))
