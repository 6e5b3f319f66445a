"""Lambda's log lines (START, END, REPORT), the log events in a runtime's output, and their delivery to CloudWatch.

A handler's output reaches CloudWatch as Lambda's Python runtime frames it: what it prints (stdout, stderr) is
one log event per line, while a record of the `logging` module is one event however many lines its message
has, because awslambdaric writes each record as a frame (type, length, timestamp, message) to the log fd the
platform gives it in `_LAMBDA_TELEMETRY_LOG_FD`. The sandbox gives it the same pipe as stdout, so the two
kinds of output stay in the order they were written. These are the Text format's lines; a function whose
LoggingConfig asks for JSON has its events shaped and filtered by localaws.runtime.log_format.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TAIL_BYTES = 4096
TELEMETRY_FD_ENV = "_LAMBDA_TELEMETRY_LOG_FD"  # awslambdaric's name for the fd it frames log records on
_FRAME_MARK = b"\xa5\x5a\x00"  # the first three bytes of every frame type awslambdaric writes (0xA55A00xx)
_FRAME_TYPES = frozenset(range(0x02, 0x1C))  # the last byte: text or JSON, each log level
_HEADER_BYTES = 16  # type (4), message length (4), timestamp in microseconds (8), all big-endian
_MAX_FRAME_BYTES = 1 << 20  # a longer "frame" is output that happens to contain the mark, not a frame


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


def _lines(data: bytes) -> list[str]:
    """Printed output: one event per line (split at newlines only), blank lines dropped."""
    return [line for line in data.decode(errors="replace").split("\n") if line.strip()]


def _frame_at(data: bytes, at: int) -> int | None:
    """Where the frame starting at `at` ends; None if the bytes there are no frame, len(data)+1 if cut short."""
    if len(data) - at < _HEADER_BYTES:
        return len(data) + 1 if len(data) - at < 4 or data[at + 3] in _FRAME_TYPES else None
    length = int.from_bytes(data[at + 4 : at + 8], "big")
    if data[at + 3] not in _FRAME_TYPES or length > _MAX_FRAME_BYTES:
        return None
    end = at + _HEADER_BYTES + length
    return end if end <= len(data) else len(data) + 1


def split_events(data: bytes) -> tuple[list[str], bytes]:
    """The log events in a runtime's output, and the bytes of a frame not yet complete (kept for later)."""
    events: list[str] = []
    start = search = 0
    while (at := data.find(_FRAME_MARK, search)) != -1:
        end = _frame_at(data, at)
        if end is None:
            search = at + 1
            continue
        events += _lines(data[start:at])
        if end > len(data):
            return events, data[at:]
        message = data[at + _HEADER_BYTES : end].decode(errors="replace").removesuffix("\n")
        events += [message] if message.strip() else []
        start = search = end
    return events + _lines(data[start:]), b""


Listener = Callable[[Any, str, list[str]], None]  # (logs backend, log group, messages), after they are stored
_listeners: list[Listener] = []  # what reads log events as CloudWatch Logs does (embedded metrics: cloudwatch/)


def listen(listener: Listener) -> None:
    """Have `listener` see every batch of log events stored from now on (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unlisten(listener: Listener) -> None:
    """Stop telling `listener` of log events."""
    if listener in _listeners:
        _listeners.remove(listener)


class LogStream:
    """One execution environment's stream in the function's log group, `/aws/lambda/<name>`."""

    def __init__(self, logs_backend: Any, group: str, name: str) -> None:
        self._backend, self.group, self.name = logs_backend, group, name
        logs_backend.ensure_log_group(group)
        logs_backend.create_log_stream(group, name)

    def put(self, messages: list[str]) -> None:
        """Append each message as one log event (a message may span lines)."""
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": message} for message in messages if message.strip()]
        if events:
            self._backend.put_log_events(self.group, self.name, events)
            for listener in list(_listeners):
                listener(self._backend, self.group, [message for message in messages if message.strip()])
