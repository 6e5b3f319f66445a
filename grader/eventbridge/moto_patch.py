"""Makes moto's EventBridge use this package's validator and matcher (`install()`), pinned to moto 5.2.

The one seam is moto's `EventPattern` class in `moto.events.models`: every rule and archive builds its
pattern through `EventPattern.load`, and `Rule.send_to_targets` asks `EventPattern.matches_event` before
delivering. Patching those two makes PutRule reject invalid patterns with the service's wording and makes
every delivery moto performs (SQS, SNS, log groups, archives, other buses) filter as the service does.
moto leaves TestEventPattern unimplemented; `install()` answers it with the same matcher.

Delivery is not done here: `grader.eventbridge.delivery` wraps moto's `Rule.send_to_targets`, and by the time
it runs, `rule.event_pattern.matches_event(event)` already gives this package's answer.
"""

from __future__ import annotations

import json
from typing import Any

import moto
from moto.events import exceptions as moto_exceptions
from moto.events import models as moto_models
from moto.events import responses as moto_responses

from grader.eventbridge.errors import InvalidEventPattern
from grader.eventbridge.patterns import CompiledPattern, compile_pattern

SUPPORTED_MOTO = "5.2."
_MARK = "_grader_eventbridge_installed"
# TestEventPattern refuses an event without these fields (the API reference also lists `resources`, which the
# service does not in fact require).
_REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")
SEAM = (
    (moto_models.EventPattern, "load"),
    (moto_models.EventPattern, "matches_event"),
    (moto_models.EventsBackend, "test_event_pattern"),
    (moto_responses.EventsHandler, "test_event_pattern"),
    (moto_exceptions, "InvalidEventPatternException"),
    (moto_exceptions, "ValidationException"),
)


def check_seam() -> None:
    """Raise RuntimeError unless moto is the version this patch was written for, with every patched name."""
    if not moto.__version__.startswith(SUPPORTED_MOTO):
        raise RuntimeError(
            f"grader.eventbridge.moto_patch supports moto {SUPPORTED_MOTO}x, found {moto.__version__}; "
            "re-check the seam in moto/events/models.py before widening the pin"
        )
    missing = [f"{owner.__name__}.{name}" for owner, name in SEAM if not hasattr(owner, name)]
    if missing:
        raise RuntimeError(
            f"moto {moto.__version__} no longer has {', '.join(missing)}; the patch needs updating"
        )


def install() -> None:
    """Route moto's event-pattern checks and matching through this package; calling it again does nothing."""
    if getattr(moto_models.EventPattern, _MARK, False):
        return
    check_seam()
    moto_models.EventPattern.load = classmethod(_load)
    moto_models.EventPattern.matches_event = _matches_event
    moto_models.EventsBackend.test_event_pattern = _backend_test_event_pattern
    moto_responses.EventsHandler.test_event_pattern = _handler_test_event_pattern
    setattr(moto_models.EventPattern, _MARK, True)


def installed() -> bool:
    """Whether `install()` has run in this process."""
    return bool(getattr(moto_models.EventPattern, _MARK, False))


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
