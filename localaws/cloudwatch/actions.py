"""What an alarm does when its state changes: publish to an SNS topic, or invoke a Lambda function.

The SNS message is the JSON CloudWatch publishes (AlarmName, NewStateValue, NewStateReason, Trigger...) with the
subject `ALARM: "name" in US East (N. Virginia)`; SNS then delivers it to its subscribers (SQS queues, Lambda
functions) as the sandbox's SNS does. A Lambda function is invoked asynchronously with the event AWS documents
for alarm actions, and only when its resource-based policy lets `lambda.alarms.cloudwatch.amazonaws.com` invoke it
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions-Lambda).
Each action's outcome is kept in the alarm's history, as CloudWatch keeps it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.session
from moto.awslambda.models import lambda_backends
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.sns.models import sns_backends

from localaws.cloudwatch import history
from localaws.iam.function_policy import invoke_allowed

ALARM_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"
log = logging.getLogger(__name__)


@cache
def region_title(region: str) -> str:
    """The name AWS gives a region in alarm messages ("US East (N. Virginia)"), from botocore's endpoint data."""
    for partition in botocore.session.get_session().get_data("endpoints")["partitions"]:
        if region in partition["regions"]:
            return str(partition["regions"][region]["description"])
    return region


def stamp(when: float) -> str:
    """Times as alarm messages write them: 2023-08-04T12:36:15.490+0000."""
    moment = datetime.fromtimestamp(when, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def sns_message(alarm: Any, account: str, old_state: str, when: float) -> dict[str, Any]:
    """The message CloudWatch publishes to a topic when an alarm changes state."""
    return {
        "AlarmName": alarm.name, "AlarmDescription": alarm.description, "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": stamp(alarm.configuration_updated_timestamp.replace(tzinfo=UTC)
                                                    .timestamp()),
        "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason, "StateChangeTime": stamp(when),
        "Region": region_title(alarm.region_name), "AlarmArn": alarm.alarm_arn, "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions), "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name, "Namespace": alarm.namespace, "StatisticType": "Statistic",
            "Statistic": str(alarm.statistic or "").upper(), "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period, "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator, "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "", "EvaluateLowSampleCountPercentile": "",
        },
    }


def lambda_event(alarm: Any, account: str, old: dict[str, str], when: float) -> dict[str, Any]:
    """The event a Lambda function gets from a metric alarm's action."""
    dims = {d.name: d.value for d in alarm.dimensions}
    metric = {"namespace": alarm.namespace, "name": alarm.metric_name, "dimensions": dims}
    stat: dict[str, Any] = {"metric": metric, "period": alarm.period, "stat": alarm.statistic}
    if alarm.unit:
        stat["unit"] = alarm.unit
    return {
        "source": "aws.cloudwatch", "alarmArn": alarm.alarm_arn, "accountId": account, "time": stamp(when),
        "region": alarm.region_name,
        "alarmData": {
            "alarmName": alarm.name,
            "state": {"value": alarm.state_value, "reason": alarm.state_reason,
                      "reasonData": alarm.state_reason_data, "timestamp": stamp(when)},
            "previousState": old,
            "configuration": {"description": alarm.description,
                              "metrics": [{"id": "m1", "metricStat": stat, "returnData": True}]},
        },
    }


class ActionRunner:
    """Runs an alarm's actions for its new state; Lambda functions go through the runtime's asynchronous queue."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def run(self, alarm: Any, account: str, old: dict[str, str], when: float) -> None:
        """Run the actions of the alarm's new state (if its actions are enabled), keeping each in its history."""
        actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}.get(alarm.state_value, [])
        if not alarm.actions_enabled:
            return
        for arn in actions:
            error = self._run_one(arn, alarm, account, old, when)
            if error is None:
                history.add(account, alarm.region_name, alarm.name, history.ACTION,
                            f"Successfully executed action {arn}", json.dumps({"actionState": "Succeeded"}), when)
            else:
                log.warning("Alarm %s could not run its action %s: %s", alarm.name, arn, error)
                history.add(account, alarm.region_name, alarm.name, history.ACTION,
                            f"Failed to execute action {arn}. Received error: \"{error}\"",
                            json.dumps({"actionState": "Failed", "error": error}), when)

    def _run_one(self, arn: str, alarm: Any, account: str, old: dict[str, str], when: float) -> str | None:
        """Run one action; the error that stopped it, or None."""
        parts = arn.split(":")
        service = parts[2] if len(parts) > 5 else ""
        try:
            if service == "sns":
                message = sns_message(alarm, account, old["value"], when)
                subject = f'{alarm.state_value}: "{alarm.name}" in {region_title(alarm.region_name)}'[:100]
                sns_backends[parts[4]][parts[3]].publish(json.dumps(message), arn=arn, subject=subject)
                return None
            if service == "lambda":
                return self._invoke(arn, alarm, account, old, when)
        except (ServiceException, JsonRESTError) as error:  # moto's answer, as the service would give it
            return f"{type(error).__name__}: {getattr(error, 'message', None) or error}"
        return f"The sandbox runs SNS and Lambda alarm actions only, not {arn}"

    def _invoke(self, arn: str, alarm: Any, account: str, old: dict[str, str], when: float) -> str | None:
        parts = arn.split(":")
        fn = lambda_backends[parts[4]][parts[3]].get_function(arn)
        if not invoke_allowed(fn, ALARM_PRINCIPAL, alarm.alarm_arn, account):
            return (f"CloudWatch is not authorized to invoke {arn}: add a permission for principal "
                    f"{ALARM_PRINCIPAL} with this alarm as the source ARN")
        payload = json.dumps(lambda_event(alarm, account, old, when)).encode()
        self.runtime.invoke_async(fn, payload, arn)
        return None
