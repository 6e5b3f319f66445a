"""Metric alarms evaluated on the sandbox clock: state, history and actions, read with boto3.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html (states, actions, the
event a Lambda alarm action gets), https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (a new alarm starts in
INSUFFICIENT_DATA; an update keeps the state) and API_DescribeAlarmHistory.html.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest

from lambda_course.deploy import deploy_function

FLAKY = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("downstream is down")
    return "ok"
"""
RECEIVER = """
import json
import time
def handler(event, context):
    print("ALARM-EVENT " + json.dumps(event))
"""


def _to_next_minute(sb) -> None:
    """Move the clock just past a whole minute, so each step below stays inside one minute."""
    sb.clock.advance(60 - sb.clock.now() % 60 + 1)


def _state(name: str) -> dict:
    (alarm,) = boto3.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarm


def _topic_to_queue(unique: str) -> tuple[str, str]:
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    queue_url = sqs.create_queue(QueueName=f"alarms-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name=f"alarms-{unique}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue_url


def _notifications(queue_url: str) -> list[dict]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(message["Body"]) for message in messages]


def _errors_alarm(name: str, function: str, actions: list[str], **extra) -> None:
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        Dimensions=[{"Name": "FunctionName", "Value": function}], Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=actions, OKActions=actions, **extra)


def _alarm_after_one_error(sb, function: str, alarm: str, treat_missing: str) -> None:
    """Deploy FLAKY and alarm on one minute of its Errors, then fail it once: the alarm is in ALARM a minute later."""
    deploy_function(function, FLAKY)
    _to_next_minute(sb)
    _errors_alarm(alarm, function, [], EvaluationPeriods=1, TreatMissingData=treat_missing)
    boto3.client("lambda").invoke(FunctionName=function, Payload=b'{"fail": true}')
    sb.clock.advance(60)
    assert _state(alarm)["StateValue"] == "ALARM"


def test_an_errors_alarm_fires_after_three_failing_minutes_and_recovers(sb, unique):
    function, alarm = f"flaky-{unique}", f"errors-{unique}"
    deploy_function(function, FLAKY)
    topic, queue_url = _topic_to_queue(unique)
    lam = boto3.client("lambda")
    _to_next_minute(sb)
    _errors_alarm(alarm, function, [topic], EvaluationPeriods=3, DatapointsToAlarm=3, TreatMissingData="notBreaching")
    assert _state(alarm)["StateValue"] == "INSUFFICIENT_DATA"
    assert _state(alarm)["StateReason"] == "Unchecked: Initial alarm creation"
    states = []
    for _minute in range(3):
        lam.invoke(FunctionName=function, Payload=b'{"fail": true}')
        sb.clock.advance(60)
        states.append(_state(alarm)["StateValue"])
    assert states == ["OK", "OK", "ALARM"]  # three breaching minutes of three before the alarm
    reason = _state(alarm)["StateReason"]
    assert reason.startswith("Threshold Crossed: 3 out of the last 3 datapoints [1.0 (")
    assert reason.endswith("(minimum 3 datapoints for OK -> ALARM transition).")
    lam.invoke(FunctionName=function, Payload=b"{}")  # a good minute: Errors is 0 in it
    sb.clock.advance(60)
    assert _state(alarm)["StateValue"] == "OK"

    notes = _notifications(queue_url)
    messages = [json.loads(note["Message"]) for note in notes]
    assert [(m["OldStateValue"], m["NewStateValue"]) for m in messages] == [
        ("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "OK")]
    alarmed = messages[1]
    assert notes[1]["Subject"] == f'ALARM: "{alarm}" in US East (N. Virginia)'
    assert alarmed["AlarmName"] == alarm and alarmed["Region"] == "US East (N. Virginia)"
    assert alarmed["Trigger"]["MetricName"] == "Errors" and alarmed["Trigger"]["Statistic"] == "SUM"
    assert alarmed["Trigger"]["Dimensions"] == [{"value": function, "name": "FunctionName"}]

    history = boto3.client("cloudwatch").describe_alarm_history(AlarmName=alarm)["AlarmHistoryItems"]
    summaries = [item["HistorySummary"] for item in reversed(history)]  # oldest first
    assert summaries == [f'Alarm "{alarm}" created',
                         "Alarm updated from INSUFFICIENT_DATA to OK", f"Successfully executed action {topic}",
                         "Alarm updated from OK to ALARM", f"Successfully executed action {topic}",
                         "Alarm updated from ALARM to OK", f"Successfully executed action {topic}"]
    stamps = [item["Timestamp"] for item in history]
    assert stamps == sorted(stamps, reverse=True)
    state_items = boto3.client("cloudwatch").describe_alarm_history(
        AlarmName=alarm, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    newest = json.loads(state_items[0]["HistoryData"])
    assert newest["oldState"]["stateValue"] == "ALARM" and newest["newState"]["stateValue"] == "OK"
    assert newest["newState"]["stateReasonData"]["statistic"] == "Sum"


@pytest.mark.parametrize(("treat", "expected"), [("missing", "INSUFFICIENT_DATA"), ("breaching", "ALARM"),
                                                 ("notBreaching", "OK"), ("ignore", "INSUFFICIENT_DATA")])
def test_a_metric_without_data_follows_treat_missing_data(sb, unique, treat, expected):
    alarm = f"quiet-{treat}-{unique}"
    _errors_alarm(alarm, f"never-invoked-{unique}", [], EvaluationPeriods=2, TreatMissingData=treat)
    sb.clock.advance(120)
    assert _state(alarm)["StateValue"] == expected  # ignore keeps the state it was created in


def test_ignore_keeps_the_last_state_when_data_stops(sb, unique):
    alarm = f"ignore-{unique}"
    _alarm_after_one_error(sb, f"ignored-{unique}", alarm, "ignore")
    sb.clock.advance(600)  # ten quiet minutes
    assert _state(alarm)["StateValue"] == "ALARM"


def test_updating_an_alarm_keeps_its_state(sb, unique):
    alarm = f"kept-{unique}"
    _errors_alarm(alarm, f"none-{unique}", [], EvaluationPeriods=1, TreatMissingData="breaching")
    sb.clock.advance(60)
    assert _state(alarm)["StateValue"] == "ALARM"
    _errors_alarm(alarm, f"none-{unique}", [], EvaluationPeriods=1, TreatMissingData="breaching",
                  AlarmDescription="now described")
    assert _state(alarm)["StateValue"] == "ALARM"
    kinds = [item["HistorySummary"] for item in boto3.client("cloudwatch").describe_alarm_history(
        AlarmName=alarm, HistoryItemType="ConfigurationUpdate")["AlarmHistoryItems"]]
    assert kinds == [f'Alarm "{alarm}" updated', f'Alarm "{alarm}" created']


def test_a_lambda_action_gets_the_documented_event(sb, unique):
    receiver, alarm = f"on-alarm-{unique}", f"to-lambda-{unique}"
    arn = deploy_function(receiver, RECEIVER)["FunctionArn"]
    alarm_arn = f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm}"
    boto3.client("lambda").add_permission(FunctionName=receiver, StatementId="alarm", Action="lambda:InvokeFunction",
                                          Principal="lambda.alarms.cloudwatch.amazonaws.com",
                                          SourceAccount="123456789012", SourceArn=alarm_arn)
    _errors_alarm(alarm, f"none-{unique}", [arn], EvaluationPeriods=1, TreatMissingData="breaching")
    sb.clock.advance(60)
    assert sb.wait_idle(30)
    events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{receiver}")["events"]
    (line,) = [e["message"] for e in events if e["message"].startswith("ALARM-EVENT ")]
    event = json.loads(line.removeprefix("ALARM-EVENT "))
    assert sorted(event) == ["accountId", "alarmArn", "alarmData", "region", "source", "time"]
    assert event["source"] == "aws.cloudwatch" and event["alarmArn"] == alarm_arn
    data = event["alarmData"]
    assert data["alarmName"] == alarm and data["state"]["value"] == "ALARM"
    assert data["previousState"]["value"] == "INSUFFICIENT_DATA"
    assert data["previousState"]["reason"] == "Unchecked: Initial alarm creation"
    metric = data["configuration"]["metrics"][0]["metricStat"]
    assert metric["metric"] == {"namespace": "AWS/Lambda", "name": "Errors",
                                "dimensions": {"FunctionName": f"none-{unique}"}}
    assert metric["period"] == 60 and metric["stat"] == "Sum"


def test_a_lambda_action_without_permission_fails_in_the_history(sb, unique):
    receiver, alarm = f"no-grant-{unique}", f"refused-{unique}"
    arn = deploy_function(receiver, RECEIVER)["FunctionArn"]
    _errors_alarm(alarm, f"none-{unique}", [arn], EvaluationPeriods=1, TreatMissingData="breaching")
    sb.clock.advance(60)
    assert sb.wait_idle(30)
    (action,) = boto3.client("cloudwatch").describe_alarm_history(
        AlarmName=alarm, HistoryItemType="Action")["AlarmHistoryItems"]
    assert action["HistorySummary"].startswith(f"Failed to execute action {arn}")
    assert "lambda.alarms.cloudwatch.amazonaws.com" in action["HistorySummary"]
    logs = boto3.client("logs")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):  # the function never ran: no log group yet
        logs.filter_log_events(logGroupName=f"/aws/lambda/{receiver}")


def test_set_alarm_state_runs_the_actions_too(sb, unique):
    topic, queue_url = _topic_to_queue(unique)
    alarm = f"forced-{unique}"
    _errors_alarm(alarm, f"none-{unique}", [topic], EvaluationPeriods=1)
    boto3.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="testing")
    (note,) = _notifications(queue_url)
    message = json.loads(note["Message"])
    assert message["NewStateValue"] == "ALARM" and message["NewStateReason"] == "testing"


def test_a_week_long_jump_of_the_clock_is_evaluated_quickly(sb, unique):
    alarm = f"weekly-{unique}"
    _alarm_after_one_error(sb, alarm, alarm, "missing")
    started = time.perf_counter()
    sb.clock.advance(7 * 24 * 3600)
    assert time.perf_counter() - started < 10
    assert _state(alarm)["StateValue"] == "INSUFFICIENT_DATA"
    assert _state(alarm)["StateReason"] == "Insufficient Data: 1 datapoint was unknown."
