"""AWS::CloudWatch::Alarm in stacks (metric alarms), which moto's CloudFormation lacks.

The alarm is put through moto's CloudWatch as PutMetricAlarm puts it, so the sandbox evaluates it every minute of its
clock, records its history, and a CodeDeploy deployment group (SAM's DeploymentPreference) can name it. Ref is the
alarm's name and Fn::GetAtt Arn its ARN; without AlarmName, CloudFormation gives it a name of its own. A new
AlarmName replaces the alarm; every other change updates it in place, keeping its state. An alarm on a metric math
expression (Metrics) is not made here: it fails, saying so, rather than being made without its metrics.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from localaws.cloudformation.providers import Provider, StackResource, Where, resource


class UnsupportedAlarm(ValueError):
    """An alarm the sandbox's CloudFormation cannot make (a metric math alarm)."""


def _cloudwatch(where: Where) -> Any:
    """moto's CloudWatch of the stack's account and region."""
    return cloudwatch_backends[where.account_id][where.region]


def _put(name: str, props: dict[str, Any], where: Where) -> str:
    """Put the alarm as PutMetricAlarm would; its ARN."""
    if props.get("Metrics"):
        raise UnsupportedAlarm("The sandbox's CloudFormation makes metric alarms only (MetricName, Namespace, "
                               "Statistic...), not alarms on metric math (Metrics).")
    alarm = _cloudwatch(where).put_metric_alarm(
        name=name, namespace=props.get("Namespace", ""), metric_name=props.get("MetricName", ""),
        comparison_operator=props["ComparisonOperator"], evaluation_periods=int(props["EvaluationPeriods"]),
        period=int(props.get("Period", 60)), threshold=float(props.get("Threshold", 0)),
        statistic=props.get("Statistic", ""), description=props.get("AlarmDescription", ""),
        dimensions=[{"Name": d["Name"], "Value": str(d["Value"])} for d in props.get("Dimensions") or []],
        alarm_actions=list(props.get("AlarmActions") or []), ok_actions=list(props.get("OKActions") or []),
        insufficient_data_actions=list(props.get("InsufficientDataActions") or []),
        datapoints_to_alarm=int(props["DatapointsToAlarm"]) if "DatapointsToAlarm" in props else None,
        extended_statistic=props.get("ExtendedStatistic"), unit=props.get("Unit"),
        actions_enabled=str(props.get("ActionsEnabled", True)).lower() != "false",
        treat_missing_data=props.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=props.get("EvaluateLowSampleCountPercentile"))
    return str(alarm.alarm_arn)


class Alarm(Provider):
    """AWS::CloudWatch::Alarm: Ref is the alarm's name, Arn by Fn::GetAtt; a new AlarmName replaces it."""

    TYPE = "AWS::CloudWatch::Alarm"
    ATTRIBUTES = ("Arn",)
    REPLACE_ON = ("AlarmName",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        alarm_name = str(props.get("AlarmName") or name)
        return resource(cls, alarm_name, Arn=_put(alarm_name, props, where))

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        return resource(cls, old.physical_resource_id, Arn=_put(old.physical_resource_id, props, where))

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        _cloudwatch(where).delete_alarms([resource.physical_resource_id])


PROVIDERS: tuple[type[Provider], ...] = (Alarm,)
