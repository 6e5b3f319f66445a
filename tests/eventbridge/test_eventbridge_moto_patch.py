"""moto's EventBridge, once patched, validates and matches with this package (moto in-process)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.events import models as moto_models

from localaws.eventbridge import moto_patch

EVENT = {
    "id": "1",
    "account": "123456789012",
    "source": "orders",
    "time": "2025-01-01T00:00:00Z",
    "region": "us-east-1",
    "detail-type": "Placed",
    "resources": [],
    "detail": {"items": [{"sku": "A1"}, {"qty": 2}]},
}


@pytest.fixture
def aws(monkeypatch):
    """boto3 clients against moto in-process, with the patch installed and dummy credentials."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    moto_patch.install()
    with mock_aws():
        yield {name: boto3.client(name, region_name="us-east-1") for name in ("events", "sqs")}


def _queue(sqs, name: str) -> tuple[str, str]:
    """Create a queue; return its URL and ARN."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_the_seams_still_exist_in_the_installed_moto() -> None:
    from localaws import seams

    events = [seam for seam in seams.SEAMS if seam.module.startswith("moto.events")]
    assert len(events) == 6
    assert [seams.problem(seam) for seam in events] == [None] * 6


def test_installing_twice_is_harmless() -> None:
    moto_patch.install()
    patched = moto_models.EventPattern.matches_event
    moto_patch.install()
    assert moto_patch.installed()
    assert moto_models.EventPattern.matches_event is patched


def test_put_rule_refuses_an_invalid_pattern_with_the_service_error(aws) -> None:
    with pytest.raises(ClientError) as caught:
        aws["events"].put_rule(Name="bad", EventPattern=json.dumps({"time": [{"prefix": ["2022"]}]}))
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidEventPatternException"
    assert error["Message"] == "Event pattern is not valid. Reason: prefix match pattern must be a string"
    assert aws["events"].list_rules()["Rules"] == []


def test_test_event_pattern_answers_with_the_matcher(aws) -> None:
    def result(pattern: dict) -> bool:
        reply = aws["events"].test_event_pattern(Event=json.dumps(EVENT), EventPattern=json.dumps(pattern))
        return reply["Result"]

    # moto's own matcher answers both of these wrongly.
    assert result({"detail": {"items": {"sku": [{"exists": True}]}}}) is True
    assert result({"resources": [{"exists": True}]}) is False
    assert result({"source": [{"anything-but": "orders"}]}) is False


def test_test_event_pattern_refuses_bad_input(aws) -> None:
    with pytest.raises(ClientError) as caught:
        aws["events"].test_event_pattern(Event=json.dumps({"source": "x"}), EventPattern='{"a": ["b"]}')
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as caught:
        aws["events"].test_event_pattern(Event=json.dumps(EVENT), EventPattern='{"a": [{"numeric": [">"]}]}')
    assert caught.value.response["Error"]["Code"] == "InvalidEventPatternException"


def test_delivery_to_sqs_filters_with_the_matcher(aws) -> None:
    events, sqs = aws["events"], aws["sqs"]
    queue_url, queue_arn = _queue(sqs, "orders")
    pattern = {"detail": {"items": {"sku": [{"exists": True}]}}}
    events.put_rule(Name="with-sku", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="with-sku", Targets=[{"Id": "q", "Arn": queue_arn}])
    for detail in ({"items": [{"sku": "A1"}, {"qty": 2}]}, {"items": [{"qty": 2}]}):
        entry = {"Source": "orders", "DetailType": "Placed", "Detail": json.dumps(detail)}
        events.put_events(Entries=[entry])
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["detail"] for m in received] == [{"items": [{"sku": "A1"}, {"qty": 2}]}]


def test_a_schedule_rule_receives_no_events(aws) -> None:
    events, sqs = aws["events"], aws["sqs"]
    queue_url, queue_arn = _queue(sqs, "ticks")
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue_arn}])
    events.put_events(Entries=[{"Source": "orders", "DetailType": "Placed", "Detail": "{}"}])
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
