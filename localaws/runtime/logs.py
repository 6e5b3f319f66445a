"""Lambda's log lines (START, END, REPORT) and delivery of an invocation's log to CloudWatch Logs."""

from __future__ import annotations

import base64
import math
import time
from dataclasses import dataclass
from typing import Any

TAIL_BYTES = 4096


@dataclass
class Report:
    """The figures of one REPORT line."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None

    @property
    def billed_duration_ms(self) -> int:
        """Rounded up to the next millisecond; INIT counts too for zip functions on managed runtimes."""
        return math.ceil(self.duration_ms + (self.init_duration_ms or 0.0))

    def line(self) -> str:
        """The REPORT line in Lambda's format; Init Duration only on a cold start."""
        parts = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            parts.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        return "\t".join(parts) + "\t"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def tail(text: str) -> str:
    """The last 4 KB of a log, base64-encoded, as Invoke returns it in LogResult for LogType=Tail."""
    data = text.encode()[-TAIL_BYTES:]
    return base64.b64encode(data).decode()


class LogStream:
    """One execution environment's stream in the function's log group, `/aws/lambda/<name>`."""

    def __init__(self, logs_backend: Any, group: str, name: str) -> None:
        self._backend, self.group, self.name = logs_backend, group, name
        logs_backend.ensure_log_group(group)
        logs_backend.create_log_stream(group, name)

    def write(self, text: str) -> None:
        """Append each line of text as a log event."""
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in text.splitlines() if line.strip()]
        if events:
            self._backend.put_log_events(self.group, self.name, events)
