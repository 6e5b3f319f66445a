"""The log events of one invocation in the function's log format: Text as always, or JSON with level filtering.

With LogFormat Text, Lambda's own lines are INIT_START, START, END and REPORT, and every line the function writes
goes to CloudWatch. With LogFormat JSON, Lambda writes its own events as JSON system log events
(`{"time", "type": "platform.start", "record": {...}}`), keeps only those at the SystemLogLevel or less detailed
(platform.runtimeDone, END's counterpart, is DEBUG; initStart, start and report are INFO), and drops application
logs more detailed than the ApplicationLogLevel: a JSON log with a "level" has that level, anything else (a printed
line, say) counts as INFO. The runtime itself writes each `logging` record as JSON once it is told the format
(AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL: localaws.runtime.environment).

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from localaws.runtime import logs
from localaws.runtime.logging_config import DEFAULT_LEVEL, LoggingConfig, allowed

# Python's names for two of Lambda's levels, as the runtime's JSON records carry them.
_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}
_PLATFORM_LEVELS = {"platform.initStart": "INFO", "platform.start": "INFO", "platform.runtimeDone": "DEBUG",
                    "platform.report": "INFO"}


def severity(level: str) -> int:
    """How little detail a level carries: TRACE is 0, FATAL the most (Lambda's order, from the API model)."""
    order = allowed("ApplicationLogLevel")
    name = level.upper()
    return order.index(_ALIASES.get(name, name))


def level_of(message: str) -> str:
    """The level Lambda gives an application log event: its JSON "level" if valid, else INFO."""
    try:
        found = json.loads(message)
    except ValueError:  # not JSON: a printed line, which Lambda counts as INFO
        return DEFAULT_LEVEL
    level = found.get("level") if isinstance(found, dict) else None
    if isinstance(level, str) and _ALIASES.get(level.upper(), level.upper()) in allowed("ApplicationLogLevel"):
        return _ALIASES.get(level.upper(), level.upper())
    return DEFAULT_LEVEL


def _time() -> str:
    """Now, as the "time" of a system log event: UTC to the millisecond."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


@dataclass(frozen=True)
class Outcome:
    """How an invocation ended, as platform.runtimeDone and platform.report state it."""

    status: str  # success, error or timeout
    error_type: str | None = None


def outcome_of(function_error: str | None, payload: bytes) -> Outcome:
    """The status of an invocation from its answer: an error payload names its errorType."""
    if function_error is None:
        return Outcome("success")
    try:
        error_type = json.loads(payload).get("errorType")
    except (ValueError, AttributeError):  # an error answer that is not a JSON object names no type
        error_type = None
    if error_type == "Sandbox.Timedout":
        return Outcome("timeout", error_type)
    return Outcome("error", error_type if isinstance(error_type, str) else "Runtime.Unknown")


class FunctionLog:
    """Renders one function version's log events in its format, keeping only the levels it asks for."""

    def __init__(self, config: LoggingConfig, function_name: str, function_arn: str, version: str) -> None:
        self.config = config
        self.function_name, self.function_arn, self.version = function_name, function_arn, version

    # -- the runtime's output ---------------------------------------------------------------------------
    def application(self, events: list[str]) -> list[str]:
        """The function's own log events that Lambda sends on (all of them with Text)."""
        if not self.config.json:
            return events
        floor = severity(self.config.application_level or DEFAULT_LEVEL)
        return [event for event in events if severity(level_of(event)) >= floor]

    # -- Lambda's own events ----------------------------------------------------------------------------
    def _system(self, kind: str, record: dict[str, Any]) -> list[str]:
        floor = severity(self.config.system_level or DEFAULT_LEVEL)
        if severity(_PLATFORM_LEVELS[kind]) < floor:
            return []
        return [json.dumps({"time": _time(), "type": kind, "record": record})]

    def init_start(self, initialization_type: str) -> list[str]:
        """INIT_START, or platform.initStart."""
        runtime_version = f"python:{sys.version_info.major}.{sys.version_info.minor}"
        if not self.config.json:
            return [f"INIT_START Runtime Version: {runtime_version}"]
        return self._system("platform.initStart", {
            "initializationType": initialization_type, "phase": "init", "runtimeVersion": runtime_version,
            "functionName": self.function_name, "functionVersion": self.version})

    def start(self, request_id: str) -> list[str]:
        """START, or platform.start."""
        if not self.config.json:
            return [logs.start_line(request_id, self.version)]
        return self._system("platform.start", {"requestId": request_id, "functionArn": self.function_arn,
                                               "version": self.version})

    def end(self, request_id: str, outcome: Outcome, duration_ms: float, produced_bytes: int) -> list[str]:
        """END, or platform.runtimeDone (a DEBUG event)."""
        if not self.config.json:
            return [logs.end_line(request_id)]
        record: dict[str, Any] = {"requestId": request_id, "status": outcome.status}
        if outcome.error_type:
            record["errorType"] = outcome.error_type
        record["metrics"] = {"durationMs": round(duration_ms, 3), "producedBytes": produced_bytes}
        return self._system("platform.runtimeDone", record)

    def report(self, report: logs.Report, outcome: Outcome) -> list[str]:
        """REPORT, or platform.report."""
        if not self.config.json:
            return [report.line()]
        metrics: dict[str, Any] = {
            "durationMs": round(report.duration_ms, 3), "billedDurationMs": report.billed_duration_ms,
            "memorySizeMB": report.memory_size_mb, "maxMemoryUsedMB": report.max_memory_used_mb}
        if report.init_duration_ms is not None:
            metrics["initDurationMs"] = round(report.init_duration_ms, 3)
        record: dict[str, Any] = {"requestId": report.request_id, "metrics": metrics, "status": outcome.status}
        if outcome.error_type:
            record["errorType"] = outcome.error_type
        return self._system("platform.report", record)


def runtime_variables(config: LoggingConfig) -> dict[str, str]:
    """What the runtime is told of the log format: nothing with Text, the format and level with JSON."""
    if not config.json:
        return {}
    return {"AWS_LAMBDA_LOG_FORMAT": config.log_format,
            "AWS_LAMBDA_LOG_LEVEL": config.application_level or DEFAULT_LEVEL}


__all__ = ["FunctionLog", "Outcome", "level_of", "outcome_of", "runtime_variables", "severity"]
