"""CodeDeploy in stacks (AWS::CodeDeploy::Application, DeploymentGroup), which SAM's DeploymentPreference makes.

moto's CodeDeploy API stores applications and deployment groups but moto's CloudFormation cannot make them; these
providers create them in moto's CodeDeploy, so `codedeploy.get_deployment_group` answers with the deployment
configuration (for example `CodeDeployDefault.LambdaCanary10Percent5Minutes`), the alarms and the automatic
rollback a SAM template asked for. An alias whose UpdatePolicy is CodeDeployLambdaAliasUpdate (SAM's
AutoPublishAlias with DeploymentPreference) moves to a new version through a CodeDeploy deployment in that group
(`deploy_alias`), which shifts its traffic on the sandbox clock (localaws.deployments). CloudFormation waits for
that deployment before it completes the update; the sandbox completes the update at once and lets the traffic
shift afterwards, so `get_deployment` (not the stack's status) tells how it ended.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
"""

from __future__ import annotations

from typing import Any

from moto.codedeploy.models import CodeDeployBackend, codedeploy_backends

from localaws.cloudformation.providers import Provider, StackResource, Where, resource
from localaws.deployments import appspec
from localaws.deployments import moto_patch as deployments_patch


def _backend(where: Where) -> CodeDeployBackend:
    return codedeploy_backends[where.account_id][where.region]


def _api(value: Any) -> Any:
    """A CloudFormation property (keys in PascalCase) as CodeDeploy's API spells it (camelCase)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _api(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_api(item) for item in value]
    return value


class Application(Provider):
    """AWS::CodeDeploy::Application: Ref is the application name."""

    TYPE = "AWS::CodeDeploy::Application"
    REPLACE_ON = ("ApplicationName", "ComputePlatform")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        app_name = str(props.get("ApplicationName") or name)
        _backend(where).create_application(app_name, props.get("ComputePlatform", "Server"), props.get("Tags") or [])
        return resource(cls, app_name)

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        return resource(cls, old.physical_resource_id)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        backend = _backend(where)  # moto's CodeDeploy has no DeleteApplication: drop what it stores
        backend.deployment_groups.pop(resource.physical_resource_id, None)
        backend.applications.pop(resource.physical_resource_id, None)


class DeploymentGroup(Provider):
    """AWS::CodeDeploy::DeploymentGroup: Ref is the group's name; changes replace it."""

    TYPE = "AWS::CodeDeploy::DeploymentGroup"

    @classmethod
    def needs_replacement(cls, old: StackResource, props: dict[str, Any]) -> bool:
        return old.properties != props

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        app, group = str(props["ApplicationName"]), str(props.get("DeploymentGroupName") or name)
        _backend(where).create_deployment_group(
            app, group, props.get("DeploymentConfigName"), None, None, None, str(props["ServiceRoleArn"]),
            alarm_configuration=_api(props.get("AlarmConfiguration")),
            auto_rollback_configuration=_api(props.get("AutoRollbackConfiguration")),
            deployment_style=_api(props.get("DeploymentStyle")), tags=props.get("Tags"))
        return resource(cls, group, ApplicationName=app)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        groups = _backend(where).deployment_groups.get(resource.attributes["ApplicationName"], {})
        groups.pop(resource.physical_resource_id, None)


def deploy_alias(policy: dict[str, Any], where: Where, function: str, alias: str, current: str, target: str) -> str:
    """Move `alias` from version `current` to `target` through a deployment in the policy's group; its ID."""
    deployments_patch.install()
    text = appspec.content(function, alias, current, target)
    return str(_backend(where).create_deployment(
        str(policy["ApplicationName"]), str(policy["DeploymentGroupName"]),
        {"revisionType": "AppSpecContent", "appSpecContent": {"content": text}}))


PROVIDERS: tuple[type[Provider], ...] = (Application, DeploymentGroup)
