"""Schedule expressions as EventBridge reads them: refused at PutRule as AWS refuses them, fired as AWS fires them.

The rules come from the EventBridge user guide:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html (cron fields, wildcards
and limits; rate syntax and the singular/plural rule) and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html (scheduled rules, in UTC).
The expected firing times are worked out here from those definitions with the calendar module alone, so the
tests do not lean on the library the sandbox uses.
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws.eventbridge import schedules, validation

SCHEDULE_PAGE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html"
NOT_VALID = "Parameter ScheduleExpression is not valid."
FRIDAY, THURSDAY = 4, 3  # date.weekday(): Monday = 0


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(year: int, month: int, wanted: int) -> int:
    """`<wanted>W`: the Monday-to-Friday day nearest `wanted`, without leaving the month."""
    last = calendar.monthrange(year, month)[1]
    weekday = calendar.weekday(year, month, wanted)
    if weekday == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return wanted - 1 if wanted > 1 else wanted + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before on the last day
        return wanted + 1 if wanted < last else wanted - 2
    return wanted


# What each day-field form selects, from the user guide's definitions.
DAY_RULES: dict[str, Callable[[date], bool]] = {
    "L": lambda d: d.day == _last_day(d),  # the last day of the month
    "5L": lambda d: d.weekday() == THURSDAY and d.day + 7 > _last_day(d),  # the month's last Thursday
    "15W": lambda d: d.day == _nearest_weekday(d.year, d.month, 15),
    "1W": lambda d: d.day == _nearest_weekday(d.year, d.month, 1),
    "LW": lambda d: d.weekday() < 5 and all((d + timedelta(n)).month != d.month or (d + timedelta(n)).weekday() >= 5
                                             for n in range(1, 4)),  # no weekday after it in the month
    "6#3": lambda d: d.weekday() == FRIDAY and 15 <= d.day <= 21,  # the third Friday
    "daily": lambda d: True,
}
CRONS = {"L": "cron(0 10 L * ? *)", "5L": "cron(0 10 ? * 5L *)", "15W": "cron(0 10 15W * ? *)",
         "1W": "cron(0 10 1W * ? *)", "LW": "cron(0 10 LW * ? *)", "6#3": "cron(0 10 ? * 6#3 *)",
         "daily": "cron(0 10 * * ? *)"}


def _days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


def expected_at_ten(rule: str, start: float, end: float) -> list[float]:
    """Every 10:00 UTC in (start, end] on a day the rule selects."""
    first, last = (datetime.fromtimestamp(t, UTC).date() for t in (start, end))
    times = (datetime(d.year, d.month, d.day, 10, tzinfo=UTC).timestamp() for d in _days(first, last)
             if DAY_RULES[rule](d))
    return [t for t in times if start < t <= end]


# --- PutRule refuses what AWS refuses, with AWS's error ----------------------------------------------------------

REFUSED = [
    "cron(0 12 * * * *)",  # day-of-month and day-of-week both *: one must be ?
    "cron(0 12 ? * ? *)",  # both ?: a value or * goes in one of them
    "cron(0 12 * * ?)",  # five fields, not six
    "cron(60 12 * * ? *)", "cron(0 24 * * ? *)", "cron(0 12 32 * ? *)", "cron(0 12 * 13 ? *)",  # out of range
    "cron(0 12 ? * 8 *)", "cron(0 12 ? * 0 *)", "cron(0 12 * * ? 1969)", "cron(0 12 * * ? 2200)",
    "cron(0 12 ? JAN-FOO * *)", "cron(0 12 W * ? *)",
    "cron(0 12 ? * 3#1,6#3 *)",  # the guide's own example: only one # expression in day-of-week
    "cron(0 12 L * L *)",  # L in both day fields still leaves no ?
    "rate(1 minutes)", "rate(1 hours)", "rate(5 hour)", "rate(5 day)",  # 1 takes a singular unit, more a plural
    "rate(0 minutes)", "rate(-5 minutes)", "rate(1.5 hours)", "rate(5 weeks)", "rate(5 seconds)", "rate(minutes)",
    "every 5 minutes", "cron 0 12 * * ? *",
]
ACCEPTED = [  # the user guide's examples
    "cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)",
    "cron(0 10 L * ? *)", "cron(0 10 3W * ? *)", "cron(0 10 ? * 3#2 *)", "cron(15 10 ? * 6L 2019-2022)",
    "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(1 day)", "rate(2 days)",
]


@pytest.mark.parametrize("expression", REFUSED)
def test_put_rule_refuses_what_eventbridge_refuses(sb, unique, expression):
    """AWS answers ValidationException "Parameter ScheduleExpression is not valid." (see SCHEDULE_PAGE)."""
    with pytest.raises(ClientError) as refused:
        boto3.client("events").put_rule(Name=f"bad-{unique}", ScheduleExpression=expression)
    assert refused.value.response["Error"] == {"Code": "ValidationException", "Message": NOT_VALID}
    with pytest.raises(ClientError):
        boto3.client("events").describe_rule(Name=f"bad-{unique}")  # nothing was stored


@pytest.mark.parametrize("expression", ACCEPTED)
def test_put_rule_accepts_the_guides_examples(sb, unique, expression):
    """Every example of the guide's cron and rate sections is a valid ScheduleExpression (see SCHEDULE_PAGE)."""
    events = boto3.client("events")
    events.put_rule(Name=f"ok-{unique}", ScheduleExpression=expression, State="DISABLED")
    try:
        assert events.describe_rule(Name=f"ok-{unique}")["ScheduleExpression"] == expression
    finally:
        events.delete_rule(Name=f"ok-{unique}")


def test_a_schedule_on_another_bus_keeps_its_own_refusal(sb, unique):
    """Schedules run only on the default bus; that refusal comes before the expression is read."""
    events = boto3.client("events")
    events.create_event_bus(Name=f"bus-{unique}")
    with pytest.raises(ClientError) as refused:
        events.put_rule(Name=f"r-{unique}", EventBusName=f"bus-{unique}", ScheduleExpression="cron(0 12 * * * *)")
    assert "only on the default event bus" in refused.value.response["Error"]["Message"]


@pytest.mark.parametrize(("expression", "says"), [
    ("cron(0 12 * * * *)", "question mark"), ("rate(1 minutes)", "rate(1 minute)"),
    ("rate(5 minute)", "rate(5 minutes)"), ("cron(0 12 * * ? 2200)", "year"), ("cron(0 12 * * ?)", "six fields"),
])
def test_the_sandbox_says_what_is_wrong_and_what_to_write(expression, says):
    """A learner calling the check directly learns more than the API's one message."""
    with pytest.raises(validation.ScheduleError, match=f"(?i){re.escape(says)}"):
        validation.validate_schedule(expression)


# --- Firing times: L, W, # and a plain daily cron ------------------------------------------------------------------


@pytest.mark.parametrize("rule", sorted(CRONS))
def test_cron_fires_on_the_days_its_rule_selects(rule):
    """Two years of each form fire exactly on the days the guide's definition selects, at 10:00 UTC."""
    start, end = _ts("2026-01-01T00:00:00"), _ts("2027-12-31T23:59:00")
    assert schedules.firings(CRONS[rule], start, end) == expected_at_ten(rule, start, end)


@pytest.mark.parametrize(("expression", "first_three"), [
    ("cron(0 10 ? * 6#3 *)", ["2026-12-18", "2027-01-15", "2027-02-19"]),  # third Fridays
    ("cron(0 10 ? * 5L *)", ["2026-12-31", "2027-01-28", "2027-02-25"]),  # last Thursdays
    ("cron(0 10 L * ? *)", ["2026-12-31", "2027-01-31", "2027-02-28"]),
    ("cron(0 10 LW * ? *)", ["2026-12-31", "2027-01-29", "2027-02-26"]),  # 31 January 2027 is a Sunday
    ("cron(0 10 15W * ? *)", ["2026-12-15", "2027-01-15", "2027-02-15"]),
    ("cron(0 10 16W * ? *)", ["2026-12-16", "2027-01-15", "2027-02-16"]),  # 16 January 2027 is a Saturday
    ("cron(0 10 ? * L *)", ["2026-12-12", "2026-12-19", "2026-12-26"]),  # L alone: the last day of the week
])
def test_known_dates(expression, first_three):
    times = schedules.firings(expression, _ts("2026-12-07T12:00:00"), _ts("2027-12-31T00:00:00"))[:3]
    assert [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M") for t in times] == [
        f"{day} 10:00" for day in first_three]


def test_years_bound_the_schedule():
    """The year field limits the schedule: none before or after its years, each of them once."""
    start, end = _ts("2026-01-01T00:00:00"), _ts("2031-01-01T00:00:00")
    times = schedules.firings("cron(0 10 1 JAN ? 2027,2029-2030)", start, end)
    assert [datetime.fromtimestamp(t, UTC).year for t in times] == [2027, 2029, 2030]
    assert schedules.firings("cron(0 10 * * ? 2020)", start, end) == []


def test_a_long_window_is_cheap_and_capped():
    """Decades in one window: a schedule that never fires again, or never fires at all, costs little; a busy one
    stops at MAX_FIRINGS_PER_TICK; a rare one fires every time it should."""
    start, end = _ts("2026-01-01T00:00:00"), _ts("2198-12-31T00:00:00")
    began = time.perf_counter()
    assert schedules.firings("cron(0 10 * * ? 2020)", start, end) == []
    assert schedules.firings("cron(0 0 31 2 ? *)", start, end) == []  # 31 February never comes
    assert len(schedules.firings("cron(* * * * ? *)", start, end)) == schedules.MAX_FIRINGS_PER_TICK
    assert len(schedules.firings("rate(1 minute)", start, end)) == schedules.MAX_FIRINGS_PER_TICK
    leap_days = schedules.firings("cron(0 0 29 2 ? *)", start, end)
    assert len(leap_days) == sum(calendar.isleap(y) for y in range(2026, 2199))  # 2100 is not a leap year
    assert time.perf_counter() - began < 5


# --- Through the sandbox's clock ------------------------------------------------------------------------------------


@pytest.fixture
def queued_rules(sb, unique):
    """Make scheduled rules that send to their own SQS queue; every rule made is deleted afterwards."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    made: list[str] = []

    def make(label: str, expression: str) -> str:
        name = f"sched-{label.replace('#', 'n')}-{unique}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=name, ScheduleExpression=expression)
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
        made.append(name)
        return url

    yield make
    for name in made:
        events.remove_targets(Rule=name, Ids=["q"])
        events.delete_rule(Name=name)


def drained(url: str) -> list[dict]:
    """Every event waiting in the queue."""
    sqs, found = boto3.client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages"):
        found += [json.loads(message["Body"]) for message in batch]
    return found


def fired_at(url: str) -> list[float]:
    """When each scheduled event in the queue was due, in order."""
    return sorted(_ts(event["time"].rstrip("Z")) for event in drained(url))


def test_l_w_hash_and_daily_rules_fire_on_their_days_as_the_clock_moves(sb, queued_rules):
    """Advancing the clock past two months delivers each rule's events for exactly the days it selects."""
    queues = {rule: queued_rules(rule, expression) for rule, expression in CRONS.items()}
    start = sb.clock.now()
    sb.clock.advance(70 * 86400)
    end = sb.clock.now()
    for rule, url in queues.items():
        assert fired_at(url) == expected_at_ten(rule, start, end), rule  # each due time once, none other


def test_a_years_long_advance_is_quick_and_fires_the_right_count(sb, queued_rules):
    """Three years at once: the third-Friday rule fires once a month, a rule for a past year and one for a day that
    never comes fire nothing, and the whole advance takes seconds."""
    third_friday = queued_rules("6#3", CRONS["6#3"])
    past = queued_rules("past", "cron(0 10 * * ? 2020)")
    never = queued_rules("never", "cron(0 0 31 2 ? *)")
    start = sb.clock.now()
    began = time.perf_counter()
    sb.clock.advance(3 * 365 * 86400)
    took = time.perf_counter() - began
    end = sb.clock.now()
    got = fired_at(third_friday)
    assert got == expected_at_ten("6#3", start, end)
    assert len(got) in (35, 36, 37)  # one a month, whatever day the window starts on
    assert fired_at(past) == [] and fired_at(never) == []
    assert took < 10


def test_a_stored_rule_that_cannot_be_read_never_fires_and_says_so_once(caplog):
    """A rule stored before PutRule checked its expression is skipped, with one warning naming it, not every tick."""
    rule = SimpleNamespace(state="ENABLED", scheduled_expression="cron(0 12 * * * *)",
                           arn="arn:aws:events:us-east-1:123456789012:rule/old", send_to_targets=None)
    with caplog.at_level(logging.WARNING, logger=schedules.__name__):
        assert schedules._fire_rule(rule, _ts("2026-01-01T00:00:00"), _ts("2026-01-02T00:00:00")) == 0
        assert schedules._fire_rule(rule, _ts("2026-01-02T00:00:00"), _ts("2026-01-03T00:00:00")) == 0
    assert [r.getMessage() for r in caplog.records if rule.arn in r.getMessage()] == [
        f"Scheduled rule {rule.arn} never fires: {_error(rule.scheduled_expression)} Put the rule again with a valid "
        "expression."]


def _error(expression: str) -> str:
    with pytest.raises(schedules.ScheduleError) as refused:
        schedules.parse(expression)
    return str(refused.value)
