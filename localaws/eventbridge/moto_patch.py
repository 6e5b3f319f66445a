"""Makes moto's EventBridge use this package's validator and matcher (`install()`).

The one seam is moto's `EventPattern` class in `moto.events.models`: every rule and archive builds its
pattern through `EventPattern.load`, and `Rule.send_to_targets` asks `EventPattern.matches_event` before
delivering. Patching those two makes PutRule reject invalid patterns with the service's wording and makes
every delivery moto performs (SQS, SNS, log groups, archives, other buses) filter as the service does.
moto leaves TestEventPattern unimplemented; `install()` answers it with the same matcher. PutRule also refuses
a ScheduleExpression the service refuses (moto only looks at how it begins), through `EventsBackend.put_rule`.

Delivery is not done here: `localaws.eventbridge.delivery` wraps moto's `Rule.send_to_targets`, and by the time
it runs, `rule.event_pattern.matches_event(event)` already gives this package's answer. The attributes replaced
here are declared in `localaws.seams`, which checks them against the installed moto before the sandbox starts.
"""

from __future__ import annotations

import json
from typing import Any

from moto.events import exceptions as moto_exceptions

from localaws import seams
from localaws.eventbridge.errors import InvalidEventPattern
from localaws.eventbridge.patterns import CompiledPattern, compile_pattern
from localaws.eventbridge.validation import SCHEDULE_NOT_VALID, ScheduleError, validate_schedule

_LOAD = "moto.events.models:EventPattern.load"
_MATCHES = "moto.events.models:EventPattern.matches_event"
_BACKEND_TEST = "moto.events.models:EventsBackend.test_event_pattern"
_HANDLER_TEST = "moto.events.responses:EventsHandler.test_event_pattern"
_PUT_RULE = "moto.events.models:EventsBackend.put_rule"
# TestEventPattern refuses an event without these fields (the API reference also lists `resources`, which the
# service does not in fact require).
_REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def install() -> None:
    """Route moto's event-pattern checks and matching through this package; calling it again does nothing."""
    if installed():
        return
    seams.verify()
    seams.patch(_LOAD, classmethod(_load))
    seams.patch(_MATCHES, _matches_event)
    seams.patch(_BACKEND_TEST, _backend_test_event_pattern)
    seams.patch(_HANDLER_TEST, _handler_test_event_pattern)
    seams.patch(_PUT_RULE, _put_rule)


def installed() -> bool:
    """Whether `install()` has run in this process."""
    return seams.is_patched(_LOAD)


def _compile_for_moto(raw_pattern: str | None) -> CompiledPattern | None:
    """Our compiled pattern, or None for a rule without one; errors become moto's modelled exception."""
    if not raw_pattern:
        return None
    try:
        return compile_pattern(raw_pattern)
    except InvalidEventPattern as error:
        raise moto_exceptions.InvalidEventPatternException(reason=error.reason) from None


def _load(cls: type, raw_pattern: str | None) -> Any:
    """Replacement for `EventPattern.load`: validate as the service does and keep the compiled matcher."""
    compiled = _compile_for_moto(raw_pattern)
    instance = cls(raw_pattern, json.loads(raw_pattern) if raw_pattern else {})
    instance._grader_compiled = compiled
    return instance


def _matches_event(self: Any, event: dict[str, Any]) -> bool:
    """Replacement for `EventPattern.matches_event`; a rule with no pattern (a schedule) matches no event."""
    compiled = getattr(self, "_grader_compiled", None)
    if compiled is None:
        compiled = _compile_for_moto(self._raw_pattern)
        self._grader_compiled = compiled
    return compiled is not None and compiled.matches(event)


def _backend_test_event_pattern(self: Any, event: str, event_pattern: str) -> bool:
    """TestEventPattern: check the event and the pattern as the service does, then match."""
    try:
        parsed = json.loads(event)
    except (TypeError, json.JSONDecodeError):
        parsed = None
    if not isinstance(parsed, dict) or any(field not in parsed for field in _REQUIRED_EVENT_FIELDS):
        raise moto_exceptions.ValidationException("Parameter Event is not valid.")
    compiled = _compile_for_moto(event_pattern)
    if compiled is None:
        raise moto_exceptions.InvalidEventPatternException(reason="Filter is not an object")
    return compiled.matches(parsed)


def _handler_test_event_pattern(self: Any) -> tuple[str, dict[str, Any]]:
    """The HTTP side of TestEventPattern: {"Result": true|false}."""
    result = self.events_backend.test_event_pattern(self._get_param("Event"), self._get_param("EventPattern"))
    return self._create_response({"Result": result})


def _put_rule(self: Any, name: str, description: str | None = None, event_bus_arn: str | None = None,
              event_pattern: str | None = None, role_arn: str | None = None, scheduled_expression: str | None = None,
              state: str | None = None, managed_by: str | None = None, tags: list[dict[str, str]] | None = None
              ) -> Any:
    """Replacement for `EventsBackend.put_rule`: refuse a schedule EventBridge refuses, then store as moto does.

    Only on the default bus: on any other, moto's own check refuses every schedule first, with its own message.
    """
    if scheduled_expression and self._normalize_event_bus_arn(event_bus_arn) == "default":
        try:
            validate_schedule(scheduled_expression)
        except ScheduleError:
            raise moto_exceptions.ValidationException(SCHEDULE_NOT_VALID) from None
    return seams.original(_PUT_RULE)(self, name, description, event_bus_arn, event_pattern, role_arn,
                                     scheduled_expression, state, managed_by, tags)
