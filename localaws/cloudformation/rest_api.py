"""API Gateway REST APIs in stacks (AWS::ApiGateway::RestApi, Deployment, Stage), as SAM's Api events write them.

A RestApi with a Body (a Swagger 2.0 or OpenAPI 3 definition, as SAM writes for Api events) is created and the
definition imported into it (localaws.cloudformation.rest_api_body); a changed Body imports again in place,
replacing the resources and methods. A RestApi declared with Name alone is moto's own model, and its Resource
and Method resources too. A Deployment snapshots the API under a stage when it names one (deleting it deletes
that stage), and a Stage points a stage name at a deployment; a changed DeploymentId moves the stage in place.
BodyS3Location is refused, saying so.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-deployment.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-stage.html
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.exceptions import ApiGatewayException, StageStillActive
from moto.apigateway.models import APIGatewayBackend, RestAPI, apigateway_backends

from localaws.cloudformation.providers import Provider, StackResource, Where, resource
from localaws.cloudformation.rest_api_body import DefinitionError, import_body

UNSUPPORTED = ("The sandbox's CloudFormation cannot import a REST API from BodyS3Location: put the definition "
               "in Body instead")


def _backend(where: Where) -> APIGatewayBackend:
    return apigateway_backends[where.account_id][where.region]


class RestApi(Provider):
    """AWS::ApiGateway::RestApi: Ref is the API ID; with a Body its routes come from the definition."""

    TYPE = "AWS::ApiGateway::RestApi"
    ATTRIBUTES = ("RootResourceId", "RestApiId")

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES or bool(RestAPI.has_cfn_attr(attr))

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        if "BodyS3Location" in props:
            raise NotImplementedError(UNSUPPORTED)
        if "Body" in props:
            return super().create_from_cloudformation_json(resource_name, cloudformation_json, account_id,
                                                           region_name, **kwargs)
        return RestAPI.create_from_cloudformation_json(resource_name, cloudformation_json, account_id,
                                                       region_name, **kwargs)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        if isinstance(original_resource, StackResource):
            return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                           cloudformation_json, account_id, region_name)
        return RestAPI.update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json,
                                                       account_id, region_name)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        body = props["Body"]
        title = body.get("info", {}).get("title") if isinstance(body, dict) else None
        api = _backend(where).create_rest_api(name=str(props.get("Name") or title or name),
                                              description=str(props.get("Description") or ""),
                                              endpoint_configuration=props.get("EndpointConfiguration"))
        try:
            import_body(_backend(where), api.id, body)
        except (DefinitionError, ApiGatewayException):  # no half-made API outlives the failed create
            _backend(where).delete_rest_api(api.id)
            raise
        return cls._made(api.id, where)

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        if "BodyS3Location" in props:
            raise NotImplementedError(UNSUPPORTED)
        # Imported again even when equal to `old`'s: a rollback passes the old properties to undo an import.
        if "Body" in props:
            import_body(_backend(where), old.physical_resource_id, props["Body"])
        return cls._made(old.physical_resource_id, where)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        if resource.physical_resource_id in _backend(where).apis:
            _backend(where).delete_rest_api(resource.physical_resource_id)

    @classmethod
    def _made(cls, api_id: str, where: Where) -> StackResource:
        root = _backend(where).get_rest_api(api_id).get_resource_for_path("/")
        return resource(cls, api_id, RootResourceId=root.id, RestApiId=api_id)


class Deployment(Provider):
    """AWS::ApiGateway::Deployment: Ref is the deployment ID; any change makes a new deployment."""

    TYPE = "AWS::ApiGateway::Deployment"
    ATTRIBUTES = ("DeploymentId",)
    REPLACE_ON_ANY_CHANGE = True

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        api_id, stage = str(props["RestApiId"]), str(props.get("StageName") or "")
        made = _backend(where).create_deployment(api_id, stage, str(props.get("Description") or ""))
        return resource(cls, made.id, DeploymentId=made.id, RestApiId=api_id, StageName=stage)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        api = _backend(where).apis.get(resource.attributes["RestApiId"])
        if api is None or resource.physical_resource_id not in api.deployments:
            return  # it went with its API
        name = resource.attributes["StageName"]
        stage = api.stages.get(name)
        if stage is not None and stage.deployment_id == resource.physical_resource_id:
            older = [d.id for d in api.deployments.values()
                     if d.stage_name == name and d.id != resource.physical_resource_id]
            if older:  # a rolled-back update: the stage returns to the deployment it had before
                stage.deployment_id = older[-1]
            else:  # the stage the deployment made goes with it
                del api.stages[name]
        # moto refuses while any stage has the deployment's stage name; API Gateway only while one points at it.
        if any(s.deployment_id == resource.physical_resource_id for s in api.stages.values()):
            raise StageStillActive()
        api.deployments.pop(resource.physical_resource_id)


class Stage(Provider):
    """AWS::ApiGateway::Stage: Ref is the stage name; a new DeploymentId moves the stage in place."""

    TYPE = "AWS::ApiGateway::Stage"
    REPLACE_ON = ("RestApiId", "StageName")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        api_id, stage = str(props["RestApiId"]), str(props["StageName"])
        _backend(where).create_stage(api_id, stage, str(props["DeploymentId"]),
                                     variables=props.get("Variables") or {},
                                     description=str(props.get("Description") or ""),
                                     tracing_enabled=props.get("TracingEnabled"))
        return resource(cls, stage, RestApiId=api_id)

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        stage = _backend(where).get_stage(old.attributes["RestApiId"], old.physical_resource_id)
        stage.deployment_id = str(props["DeploymentId"])
        stage.variables = props.get("Variables") or {}
        stage.description = str(props.get("Description") or "")
        return resource(cls, old.physical_resource_id, **old.attributes)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        api = _backend(where).apis.get(resource.attributes["RestApiId"])
        if api is not None:  # otherwise the stage went with its API
            api.stages.pop(resource.physical_resource_id, None)


PROVIDERS: tuple[type[Provider], ...] = (RestApi, Deployment, Stage)
