"""Chapter 12's deployment watcher: the traffic split and the alarm, minute by minute, as the alias's callers see them.

A weighted alias sends AdditionalVersionWeights' share of invocations to the second version, and Invoke's
ExecutedVersion names the version that ran (AWS Lambda Developer Guide, "Implement Lambda canary deployments using
a weighted alias", https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html).
Canary10Percent5Minutes shifts 10% of the traffic, then the rest five minutes later, and an alarm in ALARM stops
the deployment and rolls it back (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html,
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html).
"""

from __future__ import annotations

import boto3
import pytest

from lambda_course.chapters.rollout import AlarmNotFound, alarm_state, new_weight, watch
from lambda_course.deploy import deploy_function
from lambda_course.gradual import gradual_deploy

GOOD = "def handler(event, context):\n    return 'fine'\n"
BAD = "def handler(event, context):\n    raise ValueError('broken')\n"


def _two_versions(name: str, second: str) -> None:
    """`name` with version 1 (GOOD), version 2 (`second`) and the alias `live` on version 1."""
    lam = boto3.client("lambda")
    deploy_function(name, GOOD)
    lam.publish_version(FunctionName=name)
    deploy_function(name, second)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")


def _errors_alarm(name: str, function: str) -> None:
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        Dimensions=[{"Name": "FunctionName", "Value": function}, {"Name": "Resource", "Value": f"{function}:live"}])


def _to_next_minute(sb) -> None:
    sb.clock.advance(60 - sb.clock.now() % 60 + 1)


@pytest.mark.parametrize(("alias", "weight"), [
    ({"FunctionVersion": "1"}, 0.0),
    ({"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1}}}, 0.1),
    ({"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"3": 0.4}}}, 0.0),
    ({"FunctionVersion": "2", "RoutingConfig": {}}, 1.0),
])
def test_the_new_versions_share_is_read_from_the_alias(alias, weight):
    assert new_weight(alias, "2") == weight


def test_a_missing_alarm_is_an_error_not_a_state(sb, unique):
    with pytest.raises(AlarmNotFound, match=f"no metric alarm named 'nothing-{unique}'"):
        alarm_state(f"nothing-{unique}")


def test_a_broken_canary_shows_its_errors_then_the_alarm_and_the_rollback(sb, unique):
    name, alarm = f"watch-bad-{unique}", f"watch-bad-errors-{unique}"
    _two_versions(name, BAD)
    _errors_alarm(alarm, name)
    _to_next_minute(sb)
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent5Minutes", alarms=[alarm])
    moments = watch(handle, "2", alarm, minutes=4, calls_per_minute=40)
    first = moments[0]
    assert (first.minute, first.new_weight, first.status) == (pytest.approx(0.0, abs=0.05), 0.1, "InProgress")
    assert all(sum(m.calls.values()) == 40 for m in moments[:-1])
    fired = next(index for index, m in enumerate(moments) if m.alarm == "ALARM")  # StopIteration: it never fired
    before, after = moments[:fired], moments[fired:]
    assert fired >= 1 and sum(m.calls.get("2 error", 0) for m in before) > 0  # errors first, then the alarm
    assert not any("2 ok" in m.calls for m in moments)
    assert [(m.new_weight, m.status) for m in after] == [(0.0, "Stopped")] * len(after)
    assert {m.version for m in moments} == {"1"} and all(set(m.calls) <= {"1 ok"} for m in after)
    assert moments[-1].calls == {} and 4.0 <= moments[-1].minute < 4.25  # the clock also runs in real time


def test_a_good_canary_ends_with_all_the_traffic_on_the_new_version(sb, unique):
    name, alarm = f"watch-good-{unique}", f"watch-good-errors-{unique}"
    _two_versions(name, GOOD.replace("fine", "finer"))
    _errors_alarm(alarm, name)
    _to_next_minute(sb)
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent5Minutes", alarms=[alarm])
    moments = watch(handle, "2", alarm, minutes=6, calls_per_minute=5)
    assert [m.new_weight for m in moments] == [0.1] * 5 + [1.0, 1.0]
    assert {m.alarm for m in moments} == {"OK"} and moments[-1].status == "Succeeded"
    assert moments[-2].calls == {"2 ok": 5} and moments[-1].version == "2"
