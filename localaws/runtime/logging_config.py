"""A function's LoggingConfig: log format, application and system log levels, and log group, as Lambda keeps them.

CreateFunction and UpdateFunctionConfiguration take a LoggingConfig that moto 5.2 drops; the sandbox keeps it on
the function (moto_seam calls `keep_on_create`, `keep_on_update` and `add_to`), answers it in every function
configuration, and refuses what Lambda refuses: values outside the API model's enums or the log group's pattern
(one ValidationException listing every violation), and a log level on a function whose format is Text. A JSON
function without levels gets Lambda's defaults, INFO for both; a function that goes back to Text loses its levels.
The log group replaces `/aws/lambda/<name>` as the place the function's streams go.

https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from localaws.credentials import service_model
from localaws.runtime.refusal import Refusal

JSON, TEXT = "JSON", "Text"
DEFAULT_LEVEL = "INFO"  # Lambda's default for both levels once the format is JSON (log-level filtering page)
_TEXT_WITH_LEVEL = ('LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request '
                    'or change the LogFormat to "Json" and try again.')
_MEMBERS = {"LogFormat": "logFormat", "ApplicationLogLevel": "applicationLogLevel",
            "SystemLogLevel": "systemLogLevel", "LogGroup": "logGroup"}


@functools.cache
def _shape(member: str) -> Any:
    """One member of the LoggingConfig shape in botocore's model of Lambda (enums, length, pattern)."""
    return service_model("lambda").shape_for("LoggingConfig").members[member]


def allowed(member: str) -> tuple[str, ...]:
    """The values the API model allows for an enum member of LoggingConfig, in the model's order."""
    return tuple(_shape(member).enum)


@dataclass(frozen=True)
class LoggingConfig:
    """What a function's logs look like and where they go."""

    log_format: str
    log_group: str
    application_level: str | None = None
    system_level: str | None = None

    @property
    def json(self) -> bool:
        return self.log_format == JSON

    def api(self) -> dict[str, str]:
        """The LoggingConfig member of a FunctionConfiguration, as Lambda answers it."""
        answer = {"LogFormat": self.log_format, "LogGroup": self.log_group}
        if self.json:
            answer["ApplicationLogLevel"] = self.application_level or DEFAULT_LEVEL
            answer["SystemLogLevel"] = self.system_level or DEFAULT_LEVEL
        return answer


def default(function_name: str) -> LoggingConfig:
    """A function created without LoggingConfig: plain text, in its own log group."""
    return LoggingConfig(TEXT, f"/aws/lambda/{function_name}")


def of(fn: Any) -> LoggingConfig:
    """The logging configuration kept on a moto function (the default for one made before the seam)."""
    kept = getattr(fn, "logging_config", None)
    return kept if isinstance(kept, LoggingConfig) else default(fn.function_name)


def _violation(member: str, found: Any) -> str | None:
    """One member's violation of the API model, in the words of Lambda's ValidationException, or None."""
    if not isinstance(found, str):
        return None  # botocore refuses a wrong type before the request is sent
    where = f"Value '{found}' at 'loggingConfig.{_MEMBERS[member]}' failed to satisfy constraint: Member must "
    shape = _shape(member)
    if shape.enum:
        return None if found in shape.enum else f"{where}satisfy enum value set: [{', '.join(shape.enum)}]"
    meta = shape.metadata
    if not meta["min"] <= len(found) <= meta["max"]:
        return f"{where}have length between {meta['min']} and {meta['max']}"
    pattern = meta["pattern"]
    return None if re.fullmatch(pattern, found) else f"{where}satisfy regular expression pattern: {pattern}"


def _merged(current: LoggingConfig, request: Mapping[str, Any]) -> LoggingConfig:
    """The configuration after a request: the members it names replace the current ones."""
    log_format = request.get("LogFormat", current.log_format)
    keep_levels = log_format == current.log_format
    return LoggingConfig(
        log_format,
        request.get("LogGroup", current.log_group),
        request.get("ApplicationLogLevel", current.application_level if keep_levels else None),
        request.get("SystemLogLevel", current.system_level if keep_levels else None),
    )


def refusal(request: Mapping[str, Any], current: LoggingConfig) -> Refusal | None:
    """What Lambda answers to a LoggingConfig it refuses, given the function's configuration now, or None."""
    found = [text for member in _MEMBERS if (text := _violation(member, request.get(member)))]
    if found:
        count = f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected"
        return Refusal("ValidationException", f"{count}: {'; '.join(found)}")
    merged = _merged(current, request)
    if not merged.json and (merged.application_level or merged.system_level):
        return Refusal("InvalidParameterValueException", _TEXT_WITH_LEVEL)
    return None


def _apply(fn: Any, request: Mapping[str, Any] | None, current: LoggingConfig) -> None:
    """Check a request's LoggingConfig and keep the result on the function; a refusal changes nothing."""
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time

    request = request or {}
    refused = refusal(request, current)
    if refused is not None:
        raise LambdaClientError(refused.code, refused.message)
    fn.logging_config = _merged(current, request)  # a Text result has no levels: refusal() saw to that
    fn.logs_group_name = fn.logging_config.log_group  # where the runtime's streams write


def keep_on_create(fn: Any, spec: Mapping[str, Any]) -> None:
    """CreateFunction: refuse a bad LoggingConfig before the function is stored, else keep it."""
    _apply(fn, spec.get("LoggingConfig"), default(fn.function_name))


def keep_on_update(fn: Any, updates: Mapping[str, Any]) -> None:
    """UpdateFunctionConfiguration: refuse a bad LoggingConfig before anything changes, else keep it."""
    if "LoggingConfig" in updates:
        _apply(fn, updates["LoggingConfig"], of(fn))


def add_to(fn: Any, config: dict[str, Any]) -> None:
    """Put the function's LoggingConfig in a FunctionConfiguration answer, as Lambda always does."""
    config["LoggingConfig"] = of(fn).api()


__all__ = ["JSON", "TEXT", "LoggingConfig", "add_to", "allowed", "default", "keep_on_create", "keep_on_update",
           "of", "refusal"]
