"""CodeDeploy's Lambda deployments, run: moto stores a deployment but never runs it; here CreateDeployment does.

For an application whose compute platform is Lambda and a revision given as AppSpecContent, CreateDeployment
(declared in localaws.seams) starts the runner (localaws.deployments.driver) with the deployment configuration,
the alarms (the deployment's override, else the group's, when enabled) and the automatic rollback settings (the
deployment's, else the group's). GetDeployment and BatchGetDeployments then report the status as it moves
(InProgress, then Succeeded, Stopped or Failed), the start and completion times on the sandbox clock, the
errorInformation of an alarm that stopped it, and rollbackInfo: a rollback is a new deployment with a new ID
(creator `codeDeployRollback`), named by the stopped deployment's rollbackDeploymentId and pointing back with its
rollbackTriggeringDeploymentId. GetDeploymentGroup reports the group's alarm configuration, which moto leaves out.

https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RollbackInfo.html
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from moto.codedeploy.models import DeploymentInfo
from moto.core.exceptions import JsonRESTError

from localaws import seams
from localaws.deployments import appspec, configs
from localaws.deployments.driver import FAILED, Deployment, Target, runner

CREATE = "moto.codedeploy.models:CodeDeployBackend.create_deployment"
INFO = "moto.codedeploy.responses:_deployment_info"
GROUP_INFO = "moto.codedeploy.responses:_deployment_group_info"
ALARM_EVENT, FAILURE_EVENT = "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_FAILURE"
ROLLBACK_CREATOR = "codeDeployRollback"
_rollbacks: dict[str, dict[str, str]] = {}  # deployment ID -> its rollbackInfo


def _lambda_revision(backend: Any, application_name: str, revision: Any) -> appspec.LambdaAppSpec | None:
    """The AppSpec of a Lambda deployment, or None for a deployment the sandbox leaves to moto as stored."""
    application = backend.applications.get(application_name)
    if application is None or application.compute_platform != "Lambda" or not isinstance(revision, dict):
        return None
    text = (revision.get("appSpecContent") or revision.get("string") or {}).get("content")
    if revision.get("revisionType") not in ("AppSpecContent", "String") or not text:
        raise JsonRESTError("InvalidRevisionException", "A Lambda deployment's revision must be AppSpecContent "
                            "with the AppSpec's content (the function, alias, current and target versions).")
    try:
        return appspec.parse(str(text))
    except appspec.InvalidAppSpec as error:
        raise JsonRESTError("InvalidRevisionException", str(error)) from None


def _config_name(backend: Any, application_name: str, group_name: str, given: str | None) -> str:
    """The deployment configuration: the one given, else the group's (moto's default for none is all at once)."""
    group = backend.deployment_groups.get(application_name, {}).get(group_name)
    name = given or (str(group.deployment_config_name) if group is not None else "")
    if not name or name == "CodeDeployDefault.OneAtATime":  # moto's default, which Lambda groups do not have
        return configs.full_name("AllAtOnce")
    if configs.full_name(name) not in configs.PREDEFINED:
        raise JsonRESTError("InvalidDeploymentConfigNameException", f"{name} is not a deployment configuration "
                            f"for Lambda; use one of {', '.join(configs.PREDEFINED)}.")
    return configs.full_name(name)


def _alarms(group: Any, override: Any) -> tuple[list[str], bool]:
    """The alarm names watched (none unless enabled) and whether a failure to read one is ignored."""
    chosen = override if isinstance(override, dict) else group.alarm_configuration
    if not isinstance(chosen, dict) or not chosen.get("enabled"):
        return [], False
    names = [str(alarm.get("name")) for alarm in chosen.get("alarms") or [] if isinstance(alarm, dict)]
    return names, bool(chosen.get("ignorePollAlarmFailure"))


def _rollback_events(group: Any, given: Any) -> set[str]:
    chosen = given if isinstance(given, dict) else group.auto_rollback_configuration
    if not isinstance(chosen, dict) or not chosen.get("enabled"):
        return set()
    return {str(event) for event in chosen.get("events") or []}


def _create(self: Any, application_name: str, deployment_group_name: str, revision: dict[str, Any],
            deployment_config_name: str | None = None, description: str | None = None,
            ignore_application_stop_failures: bool | None = None, target_instances: Any | None = None,
            auto_rollback_configuration: Any | None = None, update_outdated_instances_only: bool | None = None,
            file_exists_behavior: str | None = None, override_alarm_configuration: Any | None = None) -> str:
    """CreateDeployment: stored by moto; for a Lambda AppSpec, the traffic shifting starts on the sandbox clock."""
    spec = _lambda_revision(self, application_name, revision)
    if spec is not None:
        deployment_config_name = _config_name(self, application_name, deployment_group_name, deployment_config_name)
    deployment_id = str(seams.original(CREATE)(
        self, application_name, deployment_group_name, revision, deployment_config_name, description,
        ignore_application_stop_failures, target_instances, auto_rollback_configuration,
        update_outdated_instances_only, file_exists_behavior, override_alarm_configuration))
    if spec is not None:
        _run(self, self.deployments[deployment_id], spec)
    return deployment_id


def _run(backend: Any, info: Any, spec: appspec.LambdaAppSpec) -> None:
    """Start the runner on a stored Lambda deployment, keeping moto's record in step with it."""
    group = info.deployment_group
    alarms, ignore_poll = _alarms(group, info.override_alarm_configuration)
    events = _rollback_events(group, info.auto_rollback_configuration)
    target = Target(backend.account_id, backend.region_name, spec.function, spec.alias, spec.current, spec.target)
    deployment = Deployment(info.deployment_id, target, configs.steps(str(info.deployment_config_name)), alarms,
                            roll_back_on_alarm=ALARM_EVENT in events, roll_back_on_failure=FAILURE_EVENT in events,
                            ignore_poll_alarm_failure=ignore_poll)
    deployment.on_end.append(functools.partial(_ended, backend, info))
    info.status = "InProgress"
    runner().start(deployment)


def _ended(backend: Any, info: Any, deployment: Deployment) -> None:
    """Copy the outcome into moto's record; a rollback becomes a deployment of its own, as CodeDeploy makes it."""
    info.status = deployment.status
    if not deployment.rolled_back:
        if deployment.status != "Succeeded":
            _rollbacks[info.deployment_id] = {"rollbackMessage": "Automatic rollback is not enabled for this "
                                              "deployment, so traffic stays where it was when it ended."}
        return
    target = deployment.target
    text = appspec.content(target.function, target.alias, target.target, target.current)
    rollback = DeploymentInfo(info.application, info.deployment_group,
                              {"revisionType": "AppSpecContent", "appSpecContent": {"content": text}},
                              info.deployment_config_name, f"Rollback of deployment {info.deployment_id}",
                              None, None, None, None, None, None, ROLLBACK_CREATOR)
    rollback.status = "Succeeded"
    backend.deployments[rollback.deployment_id] = rollback
    _rollbacks[info.deployment_id] = {"rollbackDeploymentId": rollback.deployment_id, "rollbackMessage": (
        f"Automatic rollback: deployment {rollback.deployment_id} put all traffic back on version "
        f"{target.current}.")}
    _rollbacks[rollback.deployment_id] = {"rollbackTriggeringDeploymentId": info.deployment_id}
    _times[rollback.deployment_id] = (deployment.ended_at, deployment.ended_at)


_times: dict[str, tuple[float | None, float | None]] = {}  # rollback deployments' start and end (clock times)


def _when(moment: float | None) -> datetime | None:
    return datetime.fromtimestamp(moment, UTC) if moment is not None else None


def _info(deployment: Any) -> dict[str, Any]:
    """GetDeployment's DeploymentInfo, with the run's status, clock times, error and rollback information."""
    found = seams.original(INFO)(deployment)
    ran = runner().get(deployment.deployment_id) if _runner_ready() else None
    if ran is not None:
        found.update(status=ran.status, startTime=_when(ran.started_at), completeTime=_when(ran.ended_at),
                     errorInformation=dict(ran.error))
        if ran.status == FAILED and not ran.error:
            found["errorInformation"] = {"code": "INTERNAL_ERROR", "message": "The deployment failed."}
    elif deployment.deployment_id in _times:
        started, ended = _times[deployment.deployment_id]
        found.update(startTime=_when(started), completeTime=_when(ended))
    found["rollbackInfo"] = dict(_rollbacks.get(deployment.deployment_id, {}))
    return dict(found)


def _runner_ready() -> bool:
    try:
        runner()
    except RuntimeError:  # no sandbox runs here: moto's stored record is all there is
        return False
    return True


def _group_info(group: Any) -> dict[str, Any]:
    """GetDeploymentGroup's DeploymentGroupInfo, with the alarm configuration moto leaves empty."""
    found = dict(seams.original(GROUP_INFO)(group))
    if isinstance(group.alarm_configuration, dict):
        found["alarmConfiguration"] = group.alarm_configuration
    return found


def install() -> None:
    """Put the Lambda deployment seams in place (idempotent)."""
    if seams.is_patched(CREATE):
        return
    seams.patch(CREATE, functools.wraps(seams.original(CREATE))(_create))
    seams.patch(INFO, _info)
    seams.patch(GROUP_INFO, _group_info)


def reset() -> None:
    """Forget the rollback records (the sandbox forgets every resource)."""
    _rollbacks.clear()
    _times.clear()


__all__ = ["CREATE", "GROUP_INFO", "INFO", "install", "reset"]
