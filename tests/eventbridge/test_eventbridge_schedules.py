"""Scheduled rules fire on the sandbox clock: in real time, or at once when the clock is advanced."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from eventbridge_support import allow_rule, recording_function

from localaws.eventbridge import schedules


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_rate_fires_at_each_whole_period():
    start = _ts("2026-01-01T00:00:30")
    assert len(schedules.firings("rate(5 minutes)", start, start + 3600)) == 12
    assert schedules.firings("rate(1 hour)", _ts("2026-01-01T00:00:00"), _ts("2026-01-01T02:00:00")) == [
        _ts("2026-01-01T01:00:00"), _ts("2026-01-01T02:00:00")]


@pytest.mark.parametrize(("expression", "window", "expected"), [
    ("cron(0 12 * * ? *)", ("2026-03-01T00:00:00", "2026-03-03T23:59:00"), 3),  # noon every day
    ("cron(15 10 ? * MON-FRI *)", ("2026-03-02T00:00:00", "2026-03-08T23:59:00"), 5),  # 2 March 2026 is a Monday
    ("cron(0/15 * * * ? *)", ("2026-03-01T00:00:00", "2026-03-01T01:00:00"), 4),
    ("cron(0 8 1 JAN,JUL ? *)", ("2026-01-01T00:00:00", "2026-12-31T00:00:00"), 2),
])
def test_cron_expressions(expression, window, expected):
    assert len(schedules.firings(expression, _ts(window[0]), _ts(window[1]))) == expected


def test_unreadable_schedule_is_an_error():
    with pytest.raises(schedules.ScheduleError, match="rate"):
        schedules.parse("every 5 minutes")
    with pytest.raises(schedules.ScheduleError, match="six fields"):
        schedules.parse("cron(0 12 * * ?)")


def scheduled_recorder(name: str, expression: str):
    """A recording function as the target of a scheduled rule of the same name; returns the events client."""
    arn = recording_function(name)
    events = boto3.client("events")
    allow_rule(arn, events.put_rule(Name=name, ScheduleExpression=expression)["RuleArn"])
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": arn}])
    return events


def received(bucket: str) -> list[dict]:
    """The events the recording function stored, in no particular order."""
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]


def test_advancing_the_clock_fires_a_scheduled_rule(sb, unique):
    name = f"nightly-{unique}"
    events = scheduled_recorder(name, "rate(1 hour)")
    sb.clock.advance(3 * 3600)
    assert sb.wait_idle(10)
    got = received(name)
    assert len(got) == 3
    event = got[0]
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [events.describe_rule(Name=name)["Arn"]]
    events.disable_rule(Name=name)
    sb.clock.advance(3 * 3600)
    assert sb.wait_idle(10)
    assert len(received(name)) == 3


def test_cron_rule_fires_on_the_hour_through_the_clock(sb, unique):
    name = f"hourly-{unique}"
    events = scheduled_recorder(name, "cron(0 * * * ? *)")
    start = sb.clock.now()
    sb.clock.advance(2 * 3600)
    assert sb.wait_idle(10)
    times = sorted(event["time"] for event in received(name))
    assert len(times) == 2
    for text in times:  # each at the top of an hour inside the window the clock moved through
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert (moment.minute, moment.second) == (0, 0)
        assert start < moment.timestamp() <= sb.clock.now()
    events.disable_rule(Name=name)  # so that later advances of the shared clock do not keep invoking it
