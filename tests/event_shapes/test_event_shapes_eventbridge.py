"""EventBridge events delivered to a function, against the event structure and scheduled event AWS documents.

https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
from shape_support import Allowances, assert_documented_shape

DETAIL = {"order-id": "o-1001", "state": "placed"}


def _seconds_ago(iso_seconds: str) -> float:
    """Seconds since an ISO-8601 time such as 2017-12-22T18:43:48Z."""
    return (datetime.now(UTC) - datetime.strptime(iso_seconds, "%Y-%m-%dT%H:%M:%S%z")).total_seconds()


def _rule_to(recorder, name: str, **rule: str) -> str:
    """A rule on the default bus with the recording function as its target and the grant it needs; its ARN."""
    events = boto3.client("events")
    arn = events.put_rule(Name=name, **rule)["RuleArn"]
    recorder.grant("events.amazonaws.com", arn)
    events.put_targets(Rule=name, Targets=[{"Id": "recorder", "Arn": recorder.arn}])
    return arn


def test_event_matched_by_a_pattern(sb, recorder, fresh_name):
    """PutEvents with a rule whose pattern matches: the documented top-level fields, the entry's own values.

    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html
    """
    _rule_to(recorder, fresh_name("placed"),
             EventPattern=json.dumps({"source": ["com.example.orders"], "detail": {"state": ["placed"]}}))
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    put = boto3.client("events").put_events(Entries=[{
        "Source": "com.example.orders", "DetailType": "Order Placed", "Resources": [table],
        "Detail": json.dumps(DETAIL)}])
    [event] = recorder.events()
    assert_documented_shape(event, "eventbridge-event", Allowances(
        maps=frozenset({"detail"}), any_text=frozenset({"resources[]"})))
    assert event["id"] == put["Entries"][0]["EventId"]
    assert (event["source"], event["detail-type"], event["detail"]) == ("com.example.orders", "Order Placed",
                                                                        DETAIL)
    assert (event["account"], event["region"], event["resources"]) == ("123456789012", sb.region, [table])
    assert 0 <= _seconds_ago(event["time"]) < 30


def test_scheduled_event(sb, recorder, fresh_name):
    """A rule with a schedule, once its time comes: the documented "Scheduled Event" naming the rule's ARN.

    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
    """
    rule_arn = _rule_to(recorder, fresh_name("nightly"), ScheduleExpression="rate(5 minutes)")
    sb.clock.advance(300)
    events = recorder.events(expected=None)
    for event in events:
        assert_documented_shape(event, "eventbridge-scheduled-event")
        assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
        assert (event["account"], event["region"], event["resources"]) == ("123456789012", sb.region, [rule_arn])
        assert datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S%z").minute % 5 == 0
    assert len({event["id"] for event in events}) == len(events)
