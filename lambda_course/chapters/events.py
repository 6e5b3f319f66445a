"""The event-pattern matcher the chapters use: the local AWS's, the one its EventBridge rules match with."""

from __future__ import annotations

from collections.abc import Callable

from localaws.eventbridge import matches

Matcher = Callable[[dict, dict], bool]


def pattern_matcher() -> tuple[Matcher, str]:
    """Return a `matches(pattern, event)` function and the name of the implementation behind it."""
    return matches, "localaws.eventbridge"
