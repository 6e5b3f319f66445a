"""Scheduled rules (`rate(...)` and `cron(...)`), fired by the sandbox clock.

moto stores a rule's ScheduleExpression but never fires it. Here every tick of the sandbox clock (about once a
second, and after every `clock.advance(...)`) works out which enabled scheduled rules were due in the elapsed
window and delivers a "Scheduled Event" to their targets, so `sb.clock.advance(3600)` shows an hour of a
`rate(5 minutes)` rule at once: twelve events.
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i for i, name in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DAYS = {name: i for i, name in enumerate("SUN MON TUE WED THU FRI SAT".split(), 1)}
MAX_FIRINGS_PER_TICK = 1440  # a day of a one-minute schedule, whatever the clock is advanced by


class ScheduleError(ValueError):
    """A schedule expression this module cannot read."""


def _field_values(text: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    """The values a cron field allows, or None for any value (`*` or `?`)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        part, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if part == "*":
            start, end = low, high
        else:
            first, _, last = part.partition("-")
            start = names.get(first.upper(), None) or int(first)
            end = (names.get(last.upper(), None) or int(last)) if last else (high if step_text else start)
        values.update(range(start, end + 1, step))
    return values


def parse(expression: str) -> int | tuple:
    """A rate as its period in seconds, or a cron as six allowed-value sets; ScheduleError if unreadable."""
    text = expression.strip()
    if match := _RATE.match(text):
        return int(match.group(1)) * _UNIT_S[match.group(2).rstrip("s")]
    if text.startswith("cron(") and text.endswith(")"):
        fields = text[5:-1].split()
        if len(fields) != 6:
            raise ScheduleError(f"{expression}: cron needs six fields (minutes hours day month weekday year)")
        bounds = [(0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (1, 7, _DAYS), (1970, 2199, {})]
        try:
            return tuple(_field_values(f, lo, hi, names) for f, (lo, hi, names) in zip(fields, bounds, strict=True))
        except ValueError as error:
            raise ScheduleError(f"{expression}: {error} (L, W and # are not supported here)") from error
    raise ScheduleError(f"{expression}: expected rate(N unit) or cron(...)")


def _cron_matches(fields: tuple, moment: datetime) -> bool:
    weekday = (moment.isoweekday() % 7) + 1  # EventBridge: 1 = Sunday ... 7 = Saturday
    actual = (moment.minute, moment.hour, moment.day, moment.month, weekday, moment.year)
    return all(allowed is None or value in allowed for allowed, value in zip(fields, actual, strict=True))


def firings(expression: str, start: float, end: float) -> list[float]:
    """Times in (start, end] at which the schedule fires (rates at whole multiples of their period)."""
    schedule = parse(expression)
    if isinstance(schedule, int):
        first = int(start // schedule + 1) * schedule
        return [float(t) for t in range(first, int(end) + 1, schedule)][:MAX_FIRINGS_PER_TICK]
    moment = datetime.fromtimestamp(int(start // 60 + 1) * 60, UTC)
    times: list[float] = []
    while moment.timestamp() <= end and len(times) < MAX_FIRINGS_PER_TICK:
        if _cron_matches(schedule, moment):
            times.append(moment.timestamp())
        moment += timedelta(minutes=1)
    return times


class _AlwaysMatches:
    def matches_event(self, event: dict[str, Any]) -> bool:
        return True


def _scheduled_event(rule: Any, when: float) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": rule.account_id, "time": when, "region": rule.region_name, "resources": [rule.arn],
            "detail": {}}


def fire_due(previous: float, now: float) -> int:
    """Deliver every scheduled event due in (previous, now]; returns how many were sent. A clock tick."""
    from moto.events.models import events_backends  # moto loads at sandbox start: start-up time

    sent = 0
    for _account, _region, backend in list(events_backends.iter_backends()):
        buses: dict[str, Any] = backend.event_buses  # type: ignore[attr-defined]  # moto types it as BaseBackend
        for bus in list(buses.values()):
            for rule in list(bus.rules.values()):
                sent += _fire_rule(rule, previous, now)
    return sent


def _fire_rule(rule: Any, previous: float, now: float) -> int:
    if rule.state != "ENABLED" or not rule.scheduled_expression:
        return 0
    try:
        due = firings(rule.scheduled_expression, previous, now)
    except ScheduleError:
        return 0
    scheduled = copy.copy(rule)
    scheduled.event_pattern = _AlwaysMatches()
    for when in due:
        scheduled.send_to_targets(_scheduled_event(rule, when))
    return len(due)
