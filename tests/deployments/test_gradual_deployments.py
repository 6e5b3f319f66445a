"""Canary and linear deployments of a Lambda alias through CodeDeploy, on the sandbox clock, rolled back by alarms.

https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html (the predefined Lambda
configurations: Canary10Percent5Minutes moves 10% at once and the rest 5 minutes later; Linear10PercentEvery1Minute
moves 10% every minute; AllAtOnce moves all of it)
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
(alarms watched during the deployment; one in ALARM rolls the alias back to the old version)
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html (a rollback is a new
deployment with a new deployment ID)
https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RollbackInfo.html (rollbackDeploymentId,
rollbackTriggeringDeploymentId, rollbackMessage)
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_course.deploy import deploy_function
from lambda_course.gradual import gradual_deploy
from localaws.deployments import appspec, configs

OLD = "def handler(event, context):\n    return 'old'\n"
NEW = "def handler(event, context):\n    return 'new'\n"
BROKEN = "def handler(event, context):\n    raise ValueError('the new version is broken')\n"


def _function(name: str, new_source: str) -> None:
    """`name` with version 1 (OLD) and version 2 (`new_source`), and the alias `live` on version 1."""
    lam = boto3.client("lambda")
    deploy_function(name, OLD)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    deploy_function(name, new_source)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")


def _alias(name: str) -> tuple[str, dict]:
    found = boto3.client("lambda").get_alias(FunctionName=name, Name="live")
    return found["FunctionVersion"], (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def _to_next_minute(sb) -> None:
    """Move the clock just past a whole minute, so the steps below fall at known minutes."""
    sb.clock.advance(60 - sb.clock.now() % 60 + 1)


def _errors_alarm(name: str, function: str) -> None:
    """An alarm on the alias's Errors: ALARM at the first minute with an error."""
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        Dimensions=[{"Name": "FunctionName", "Value": function}, {"Name": "Resource", "Value": f"{function}:live"}])


def test_the_predefined_configurations_as_steps():
    canary = configs.steps("Canary10Percent5Minutes")
    assert [(s.after, s.weight) for s in canary] == [(0.0, 0.1), (300.0, 1.0)]
    linear = configs.steps("CodeDeployDefault.LambdaLinear10PercentEvery2Minutes")
    assert [s.weight for s in linear] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert [s.after for s in linear] == [index * 120.0 for index in range(10)]
    assert [(s.after, s.weight) for s in configs.steps("AllAtOnce")] == [(0.0, 1.0)]
    with pytest.raises(configs.UnknownConfig, match="Canary10Percent5Minutes"):
        configs.steps("Canary50Percent1Minute")


def test_a_canary_that_succeeds_moves_10_percent_then_all_after_five_minutes(sb, unique):
    name = f"canary-ok-{unique}"
    _function(name, NEW)
    _to_next_minute(sb)
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent5Minutes")
    assert handle.status == "InProgress"
    assert _alias(name) == ("1", {"2": 0.1})
    handle.advance(minutes=4)
    assert _alias(name) == ("1", {"2": 0.1}) and handle.status == "InProgress"
    assert handle.advance(minutes=1) == "Succeeded"
    assert _alias(name) == ("2", {})
    history = handle.history
    assert [r.action for r in history] == ["started", "shifted", "succeeded"]
    assert [r.target_weight for r in history[1:]] == [0.1, 0.0]
    assert history[-1].version == "2"
    assert history[-1].at - history[1].at == pytest.approx(300.0)
    answer = json.load(boto3.client("lambda").invoke(FunctionName=name, Qualifier="live")["Payload"])
    assert answer == "new"


def test_a_broken_canary_is_stopped_by_its_alarm_and_rolled_back(sb, unique):
    name, alarm = f"canary-bad-{unique}", f"canary-errors-{unique}"
    _function(name, BROKEN)
    _errors_alarm(alarm, name)
    _to_next_minute(sb)
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent5Minutes", alarms=[alarm])
    lam = boto3.client("lambda")
    ran = [lam.invoke(FunctionName=name, Qualifier="live")["ExecutedVersion"] for _ in range(60)]
    assert "2" in ran  # some of the traffic reached the broken version, and failed
    assert handle.advance(minutes=10) == "Stopped"  # one jump: the alarm is still read before the 5-minute step
    assert _alias(name) == ("1", {})
    assert [r.action for r in handle.history] == ["started", "shifted", "stopped", "rolled back"]
    stopped = handle.history[2]
    assert stopped.alarms == {alarm: "ALARM"}
    assert stopped.at < handle.history[1].at + 300  # before the canary's second step
    after = [lam.invoke(FunctionName=name, Qualifier="live") for _ in range(20)]
    assert {a["ExecutedVersion"] for a in after} == {"1"}
    assert {json.load(a["Payload"]) for a in after} == {"old"}


def test_get_deployment_reports_the_stop_and_the_rollback_deployment(sb, unique):
    name, alarm = f"canary-info-{unique}", f"canary-info-errors-{unique}"
    _function(name, NEW)
    _errors_alarm(alarm, name)
    _to_next_minute(sb)
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent10Minutes", alarms=[alarm])
    boto3.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="by hand")
    sb.clock.advance(2)  # the next clock tick reads the alarm
    info = handle.info
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE" and alarm in info["errorInformation"]["message"]
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent10Minutes"
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    assert rollback_id != handle.deployment_id
    rollback = boto3.client("codedeploy").get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rollback["creator"] == "codeDeployRollback" and rollback["status"] == "Succeeded"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == handle.deployment_id
    assert appspec.parse(rollback["revision"]["appSpecContent"]["content"]).target == "1"
    assert info["completeTime"] >= info["startTime"]


def test_linear_steps_move_ten_percent_every_minute(sb, unique):
    name = f"linear-{unique}"
    _function(name, NEW)
    _to_next_minute(sb)
    handle = gradual_deploy(name, "live", "2", config="Linear10PercentEvery1Minute")
    seen = [_alias(name)[1].get("2")]
    for _ in range(8):
        handle.advance(minutes=1)
        seen.append(_alias(name)[1].get("2"))
    assert seen == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert handle.advance(minutes=1) == "Succeeded" and _alias(name) == ("2", {})
    assert [r.target_weight for r in handle.history if r.action == "shifted"] == seen


def test_create_deployment_refuses_an_appspec_it_cannot_use(sb, unique):
    name = f"badspec-{unique}"
    _function(name, NEW)
    client = boto3.client("codedeploy")
    client.create_application(applicationName=name, computePlatform="Lambda")
    client.create_deployment_group(applicationName=name, deploymentGroupName="g", serviceRoleArn="arn:aws:iam::"
                                   "123456789012:role/cd", deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce")
    with pytest.raises(ClientError, match="lacks TargetVersion"):
        client.create_deployment(applicationName=name, deploymentGroupName="g", revision={
            "revisionType": "AppSpecContent", "appSpecContent": {"content": appspec.content(name, "live", "1", "2")
                                                                 .replace("TargetVersion", "Other")}})
    with pytest.raises(ClientError, match="neither YAML nor JSON"):  # the reader's failure, refused loudly
        client.create_deployment(applicationName=name, deploymentGroupName="g", revision={
            "revisionType": "AppSpecContent", "appSpecContent": {"content": "Resources: [unclosed"}})
    yaml_spec = (f"version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n      Properties:\n"
                 f"        Name: {name}\n        Alias: live\n        CurrentVersion: '1'\n"
                 "        TargetVersion: '2'\n")
    assert appspec.parse(yaml_spec) == appspec.LambdaAppSpec(name, "live", "1", "2")
    deployment = client.create_deployment(applicationName=name, deploymentGroupName="g", revision={
        "revisionType": "AppSpecContent", "appSpecContent": {"content": appspec.content(name, "live", "1", "2")}})
    assert client.get_deployment(deploymentId=deployment["deploymentId"])["deploymentInfo"]["status"] == "Succeeded"
    assert _alias(name) == ("2", {})


SAM_CANARY = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: {name}
      Runtime: python3.12
      Handler: index.handler
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms: [{alarm}]
      InlineCode: |
        def handler(event, context):
            {body}
Outputs:
  Application: {{Value: !Ref ServerlessDeploymentApplication}}
  Group: {{Value: !Ref FnDeploymentGroup}}
"""


def _deployments(application: str, group: str) -> list[dict]:
    client = boto3.client("codedeploy")
    ids = client.list_deployments(applicationName=application, deploymentGroupName=group)["deployments"]
    return [client.get_deployment(deploymentId=i)["deploymentInfo"] for i in ids]


def test_a_sam_update_with_deployment_preference_shifts_gradually(sb, unique):
    from lambda_course.stacks import delete_stack, deploy_stack  # loads CloudFormation only for this test

    name, alarm = f"sam-canary-{unique}", f"sam-canary-errors-{unique}"
    _errors_alarm(alarm, name)
    stack = f"sam-canary-{unique}"
    out = deploy_stack(stack, SAM_CANARY.format(name=name, alarm=alarm, body="return 'first'"))
    assert _alias(name) == ("1", {})
    _to_next_minute(sb)
    deploy_stack(stack, SAM_CANARY.format(name=name, alarm=alarm, body="return 'second'"))
    assert _alias(name) == ("1", {"2": 0.1})  # the canary: 10% on the new version
    (deployment,) = _deployments(out["Application"], out["Group"])
    assert deployment["status"] == "InProgress"
    assert deployment["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    sb.clock.advance(300)
    assert _alias(name) == ("2", {})
    assert _deployments(out["Application"], out["Group"])[0]["status"] == "Succeeded"

    _to_next_minute(sb)
    deploy_stack(stack, SAM_CANARY.format(name=name, alarm=alarm, body="raise ValueError('broken')"))
    assert _alias(name) == ("2", {"3": 0.1})
    lam = boto3.client("lambda")
    ran = [lam.invoke(FunctionName=name, Qualifier="live")["ExecutedVersion"] for _ in range(60)]
    assert "3" in ran
    sb.clock.advance(300)
    assert _alias(name) == ("2", {})  # the alarm rolled it back to the version before
    stopped = [d for d in _deployments(out["Application"], out["Group"]) if d["status"] == "Stopped"]
    assert len(stopped) == 1 and stopped[0]["rollbackInfo"]["rollbackDeploymentId"]
    delete_stack(stack)


def test_an_alarm_that_cannot_be_read_stops_the_deployment_rather_than_let_it_through(sb, unique):
    name = f"canary-noalarm-{unique}"
    _function(name, NEW)
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent5Minutes", alarms=[f"missing-{unique}"])
    assert handle.status == "Stopped"
    assert _alias(name) == ("1", {})
    assert handle.history[-2].alarms == {f"missing-{unique}": "UNREADABLE"}


def test_wait_moves_the_clock_a_minute_at_a_time_until_the_deployment_ends(sb, unique):
    name = f"canary-wait-{unique}"
    _function(name, NEW)
    _to_next_minute(sb)
    started = sb.clock.now()
    handle = gradual_deploy(name, "live", "2", config="Canary10Percent10Minutes")
    assert handle.wait() == "Succeeded"
    assert 600 <= sb.clock.now() - started < 660  # ten minutes and the minute it took to notice
    assert _alias(name) == ("2", {})
