"""AWS::CloudWatch::Alarm in stacks: made as PutMetricAlarm makes it, evaluated by the sandbox, changed and deleted.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html (Ref returns the
alarm's name, Fn::GetAtt Arn its ARN; a change of AlarmName requires replacement, other properties update without
interruption; without AlarmName CloudFormation generates a unique name)
"""

from __future__ import annotations

import boto3
import pytest

from lambda_course.stacks import StackFailed, delete_stack, deploy_stack


def _template(function: str, threshold: int = 1, alarm_name: str = "") -> dict:
    named = {"AlarmName": alarm_name} if alarm_name else {}
    return {"Resources": {"Errors": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        **named, "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": threshold, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching", "Dimensions": [{"Name": "FunctionName", "Value": function}]}}},
        "Outputs": {"Name": {"Value": {"Ref": "Errors"}}, "Arn": {"Value": {"Fn::GetAtt": ["Errors", "Arn"]}}}}


def _alarms(name: str) -> list[dict]:
    return boto3.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]


def test_an_alarm_in_a_stack_is_made_evaluated_updated_in_place_renamed_and_deleted(sb, unique):
    stack, function = f"alarm-{unique}", f"fn-{unique}"
    out = deploy_stack(stack, _template(function))
    assert out["Name"].startswith(f"{stack}-Errors-")  # no AlarmName: CloudFormation names it
    (alarm,) = _alarms(out["Name"])
    assert out["Arn"] == alarm["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{out['Name']}"
    assert (alarm["MetricName"], alarm["Threshold"], alarm["Dimensions"]) == (
        "Errors", 1.0, [{"Name": "FunctionName", "Value": function}])
    sb.clock.advance(120)  # the sandbox evaluates it: no datapoints, treated as not breaching
    assert _alarms(out["Name"])[0]["StateValue"] == "OK"

    assert deploy_stack(stack, _template(function, threshold=3))["Name"] == out["Name"]  # in place
    (changed,) = _alarms(out["Name"])
    assert changed["Threshold"] == 3.0 and changed["StateValue"] == "OK"

    renamed = deploy_stack(stack, _template(function, alarm_name=f"errors-{unique}"))
    assert renamed["Name"] == f"errors-{unique}" and _alarms(out["Name"]) == []  # replaced: the old one is gone
    delete_stack(stack)
    assert _alarms(f"errors-{unique}") == []


def test_a_metric_math_alarm_fails_rather_than_being_made_without_its_metrics(sb, unique):
    template = _template("fn")
    props = template["Resources"]["Errors"]["Properties"]
    for key in ("Namespace", "MetricName", "Statistic", "Period", "Dimensions"):
        props.pop(key)
    props["Metrics"] = [{"Id": "e", "Expression": "1", "ReturnData": True}]
    with pytest.raises(StackFailed, match="metric alarms only"):
        deploy_stack(f"mathalarm-{unique}", template)
