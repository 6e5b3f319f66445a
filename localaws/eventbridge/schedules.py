"""Scheduled rules (`rate(...)` and `cron(...)`): read as EventBridge reads them, fired by the sandbox clock.

moto stores a rule's ScheduleExpression but never fires it. Here every tick of the sandbox clock (about once a
second, and after every `clock.advance(...)`) works out which enabled scheduled rules were due in the elapsed
window and delivers a "Scheduled Event" to their targets, so `sb.clock.advance(3600)` shows an hour of a
`rate(5 minutes)` rule at once: twelve events.

Cron expressions are read and stepped through by the aws-croniter library rather than by a parser of our own:
EventBridge's cron is not Unix cron (six fields, a year, `?` in exactly one day field, `L`, `W` and `#`), and the
library, written for exactly this dialect and maintained, does those checks and that calendar arithmetic. Two
forms it accepts but cannot step through are handled here: `LW` (the last weekday of the month) and a bare `L`
in the day-of-week field (the last day of the week, Saturday). Rate expressions are simple enough to check here.
"""

from __future__ import annotations

import calendar
import copy
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from aws_croniter import AwsCroniter
from aws_croniter.exceptions import AwsCroniterExpressionError

_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
_CRON_FIELDS = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
_LAST_WEEKDAY_CANDIDATES = "26-31"  # the last weekday of any month falls on one of these days
_SATURDAY = "7"  # EventBridge numbers the days of the week from 1 = Sunday
_EXAMPLES = "for example rate(5 minutes) or cron(0 12 * * ? *) (noon UTC every day)"
MAX_FIRINGS_PER_TICK = 1440  # a day of a one-minute schedule, whatever the clock is advanced by
log = logging.getLogger(__name__)


class ScheduleError(ValueError):
    """A schedule expression EventBridge would refuse; the message says what is wrong and what to write."""


@dataclass(frozen=True)
class Rate:
    """A `rate(...)` schedule: fires every `seconds`."""

    seconds: int


@dataclass(frozen=True)
class Cron:
    """A `cron(...)` schedule as the library reads it; `last_weekday` marks `LW`, which is filtered here."""

    rule: AwsCroniter
    last_weekday: bool = False


@lru_cache(maxsize=512)
def parse(expression: str) -> Rate | Cron:
    """The schedule an expression describes, checked by EventBridge's rules; ScheduleError if it would refuse it."""
    if expression.startswith("rate(") and expression.endswith(")"):
        return _parse_rate(expression)
    if expression.startswith("cron(") and expression.endswith(")"):
        return _parse_cron(expression)
    raise ScheduleError(f"{expression!r} is not a schedule expression: write rate(value unit) or cron(six fields), "
                        f"{_EXAMPLES}.")


def _parse_rate(expression: str) -> Rate:
    """rate(value unit): a positive whole value, with a singular unit for 1 and a plural one for more."""
    match = _RATE.fullmatch(expression)
    if match is None:
        raise ScheduleError(f"{expression!r}: a rate is a whole number and minute(s), hour(s) or day(s), "
                            f"for example rate(1 hour) or rate(5 minutes).")
    value, unit = int(match.group(1)), match.group(2)
    singular = unit[:-1] if unit.endswith("s") else unit
    if value < 1:
        raise ScheduleError(f"{expression!r}: the value must be a positive number, for example rate(1 {singular}).")
    if (value == 1) != (unit == singular):
        right = singular if value == 1 else f"{singular}s"
        raise ScheduleError(f"{expression!r}: use a singular unit for 1 and a plural one for more: "
                            f"rate({value} {right}).")
    return Rate(value * _UNIT_S[singular])


def _parse_cron(expression: str) -> Cron:
    """cron(minutes hours day-of-month month day-of-week year), checked and read by aws-croniter."""
    fields = expression[len("cron("):-1].split()
    if len(fields) != len(_CRON_FIELDS):
        raise ScheduleError(f"{expression!r}: a cron expression has six fields ({' '.join(_CRON_FIELDS)}), "
                            f"not {len(fields)}; {_EXAMPLES}.")
    last_weekday = fields[2].upper() == "LW"
    if last_weekday:
        fields[2] = _LAST_WEEKDAY_CANDIDATES  # same place in the grammar; each candidate day is checked later
    if fields[4].upper() == "L":
        fields[4] = _SATURDAY  # the library accepts a bare L here but never fires it
    try:
        return Cron(AwsCroniter(" ".join(fields)), last_weekday)
    except AwsCroniterExpressionError as error:  # names the field at fault
        raise ScheduleError(f"{expression!r}: {error} See the fields' values and wildcards in EventBridge's cron "
                            f"reference; {_EXAMPLES}.") from None
    except ValueError as error:  # a form the checks let through but the library cannot read (a step of 0, 5-*)
        raise ScheduleError(f"{expression!r}: a field has a form EventBridge's cron does not take ({error}); "
                            f"{_EXAMPLES}.") from None


def firings(expression: str, start: float, end: float) -> list[float]:
    """Times in (start, end] at which the schedule fires, at most MAX_FIRINGS_PER_TICK (the earliest)."""
    schedule = parse(expression)
    if isinstance(schedule, Rate):
        return _rate_firings(schedule.seconds, start, end)
    return _cron_firings(schedule, start, end)


def _rate_firings(period: int, start: float, end: float) -> list[float]:
    """Whole multiples of the period in (start, end]; a range slice, so a long window costs nothing extra."""
    first = int(start // period + 1) * period
    return [float(t) for t in range(first, int(end) + 1, period)[:MAX_FIRINGS_PER_TICK]]


def _cron_firings(cron: Cron, start: float, end: float) -> list[float]:
    """Each occurrence after `start` up to `end`, one library step at a time."""
    last_year = cron.rule.years[-1]
    if datetime.fromtimestamp(start, UTC).year > last_year:
        return []  # a schedule whose last year has passed costs nothing more
    stop = datetime.fromtimestamp(min(end, datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()), UTC)
    times: list[float] = []
    moment: datetime | None = datetime.fromtimestamp(start, UTC)
    while moment is not None and len(times) < MAX_FIRINGS_PER_TICK:
        moment = _next_after(cron, moment, stop)
        if moment is not None:
            times.append(moment.timestamp())
    return times


def _next_after(cron: Cron, moment: datetime, stop: datetime) -> datetime | None:
    """The first occurrence after `moment`'s minute and not after `stop`, or None.

    The library gives up (answers None) after a few months or years without a match, so a None is retried from
    the next month until `stop`: at most one step per month (or per candidate day, for LW) of the window.
    """
    while moment < stop:
        found: datetime | None = cron.rule.occurrence(moment).next()
        if found is None:  # the rest of `moment`'s month was searched: go on from the next one
            moment = _end_of_month(moment + timedelta(minutes=1))
        elif found > stop:
            return None
        elif cron.last_weekday and not _is_last_weekday(found):
            moment = found.replace(hour=23, minute=59)
        else:
            return found
    return None


def _end_of_month(moment: datetime) -> datetime:
    """The last minute of `moment`'s month, so that the next search starts at the first minute of the next."""
    days = calendar.monthrange(moment.year, moment.month)[1]
    return moment.replace(day=days, hour=23, minute=59, second=0, microsecond=0)


def _is_last_weekday(moment: datetime) -> bool:
    """Whether the day is the month's last Monday-to-Friday day (what `LW` selects)."""
    last = calendar.monthrange(moment.year, moment.month)[1]
    weekday = calendar.weekday(moment.year, moment.month, last)  # Monday = 0 ... Sunday = 6
    return moment.day == last - max(0, weekday - 4)


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


_unreadable: set[tuple[str, str]] = set()  # (rule ARN, expression) already reported, so a tick does not repeat it


def _fire_rule(rule: Any, previous: float, now: float) -> int:
    if rule.state != "ENABLED" or not rule.scheduled_expression:
        return 0
    try:
        due = firings(rule.scheduled_expression, previous, now)
    except ScheduleError as error:  # PutRule refuses these; one stored before that check cannot fire
        if (rule.arn, rule.scheduled_expression) not in _unreadable:
            _unreadable.add((rule.arn, rule.scheduled_expression))
            log.warning("Scheduled rule %s never fires: %s Put the rule again with a valid expression.",
                        rule.arn, error)
        return 0
    scheduled = copy.copy(rule)
    scheduled.event_pattern = _AlwaysMatches()
    for when in due:
        scheduled.send_to_targets(_scheduled_event(rule, when))
    return len(due)
