"""Canary and linear deployments of a function's alias, through CodeDeploy, for the chapters and labs.

    handle = gradual_deploy("orders", "live", "2", config="Canary10Percent5Minutes", alarms=["orders-errors"])
    handle.status              # InProgress
    handle.advance(minutes=5)  # move the sandbox clock: the steps (and any rollback) due by then happen
    handle.history             # each step: clock time, the alias's version and weights, the alarm states

It makes (once) a CodeDeploy application and deployment group for the function, with automatic rollback on an
alarm, and creates a deployment whose AppSpec moves the alias from the version it has now to `new_version`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lambda_course import sandbox
from lambda_course.deploy import ensure_role
from localaws.deployments import appspec, configs, runner
from localaws.deployments.driver import Record

ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]


@dataclass
class GradualDeployment:
    """A deployment under way: its CodeDeploy ID, status and step-by-step history."""

    deployment_id: str
    function: str
    alias: str

    @property
    def status(self) -> str:
        """CodeDeploy's status: InProgress, Succeeded, Stopped (an alarm went off) or Failed."""
        info = boto3.client("codedeploy").get_deployment(deploymentId=self.deployment_id)["deploymentInfo"]
        return str(info["status"])

    @property
    def info(self) -> dict[str, Any]:
        """GetDeployment's whole answer (errorInformation, rollbackInfo, times)."""
        return dict(boto3.client("codedeploy").get_deployment(deploymentId=self.deployment_id)["deploymentInfo"])

    @property
    def history(self) -> list[Record]:
        """Every moment of the deployment so far, oldest first."""
        found = runner().get(self.deployment_id)
        return list(found.history) if found is not None else []

    def advance(self, minutes: float = 0.0, seconds: float = 0.0) -> str:
        """Move the sandbox clock on; returns the status after it."""
        sandbox.start().clock.advance(minutes * 60 + seconds)
        return self.status

    def wait(self, most_minutes: float = 120.0) -> str:
        """Move the clock a minute at a time until the deployment ends (at most `most_minutes`); its status."""
        for _ in range(int(most_minutes)):
            status = self.status
            if status not in ("Created", "InProgress"):
                return status
            self.advance(minutes=1)
        return self.status


def _ensure_group(function: str, config: str, alarms: list[str]) -> tuple[str, str]:
    """The application and deployment group of `function` for this configuration and these alarms."""
    client = boto3.client("codedeploy")
    application = f"{function}-deployments"
    try:
        client.create_application(applicationName=application, computePlatform="Lambda")
    except ClientError as error:
        if error.response["Error"]["Code"] != "ApplicationAlreadyExistsException":
            raise
    group = f"{configs.full_name(config).removeprefix(configs.PREFIX)}-{'-'.join(alarms) or 'no-alarms'}"[:100]
    try:
        client.create_deployment_group(
            applicationName=application, deploymentGroupName=group, serviceRoleArn=ensure_role(),
            deploymentConfigName=configs.full_name(config),
            deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            alarmConfiguration={"enabled": bool(alarms), "alarms": [{"name": name} for name in alarms]},
            autoRollbackConfiguration={"enabled": True, "events": ROLLBACK_EVENTS})
    except ClientError as error:
        if error.response["Error"]["Code"] != "DeploymentGroupAlreadyExistsException":
            raise
    return application, group


def gradual_deploy(function: str, alias: str, new_version: str, config: str = "Canary10Percent5Minutes",
                   alarms: list[str] | None = None) -> GradualDeployment:
    """Shift `alias` of `function` to `new_version` as `config` says, rolled back if any of `alarms` goes off."""
    configs.steps(config)  # an unknown configuration is refused here, with the names there are
    current = boto3.client("lambda").get_alias(FunctionName=function, Name=alias)["FunctionVersion"]
    application, group = _ensure_group(function, config, list(alarms or []))
    text = appspec.content(function, alias, current, str(new_version))
    answer = boto3.client("codedeploy").create_deployment(
        applicationName=application, deploymentGroupName=group,
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": text}})
    return GradualDeployment(answer["deploymentId"], function, alias)


__all__ = ["GradualDeployment", "gradual_deploy"]
