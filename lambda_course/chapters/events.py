"""The event-pattern matcher the chapters use: the course's own when installed, moto's otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable

Matcher = Callable[[dict, dict], bool]


def pattern_matcher() -> tuple[Matcher, str]:
    """Return a `matches(pattern, event)` function and the name of the implementation behind it."""
    try:
        from localaws.eventbridge.patterns import matches
    except ImportError:
        return _moto_matches, "moto's EventBridge matcher"
    return matches, "localaws.eventbridge.patterns"


def _moto_matches(pattern: dict, event: dict) -> bool:
    """Match with the pattern engine of the moto release the sandbox runs on."""
    from moto.events.models import EventPattern

    return EventPattern.load(json.dumps(pattern)).matches_event(event)
