"""API Gateway HTTP APIs in stacks (AWS::ApiGatewayV2::Api, Stage, Integration, Route), which moto lacks.

An Api with a Body (an OpenAPI definition, as SAM writes for HttpApi events) is imported as ImportApi imports
one: a route per path and method (`x-amazon-apigateway-any-method` is ANY, the `$default` path the $default
route), each with the integration its `x-amazon-apigateway-integration` describes, whose type API Gateway
stores in capitals (`aws_proxy` becomes AWS_PROXY). Without a Body it is created from its Name and
ProtocolType; Integration and Route resources then add to it.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-api.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-stage.html
"""

from __future__ import annotations

from typing import Any

from moto.apigatewayv2.models import ApiGatewayV2Backend, apigatewayv2_backends

from localaws.cloudformation.providers import Provider, StackResource, Where, resource


def _backend(where: Where) -> ApiGatewayV2Backend:
    return apigatewayv2_backends[where.account_id][where.region]


def _endpoint(api_id: str, region: str) -> str:
    return f"https://{api_id}.execute-api.{region}.amazonaws.com"


class Api(Provider):
    """AWS::ApiGatewayV2::Api: Ref is the API ID; a changed Body re-imports the routes in place."""

    TYPE = "AWS::ApiGatewayV2::Api"
    ATTRIBUTES = ("ApiId", "ApiEndpoint")
    REPLACE_ON = ("ProtocolType",)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        body = props.get("Body")
        title = (body or {}).get("info", {}).get("title") if isinstance(body, dict) else None
        api = _backend(where).create_api(
            api_key_selection_expression=props.get("ApiKeySelectionExpression"),  # type: ignore[arg-type]
            cors_configuration=props.get("CorsConfiguration"),  # type: ignore[arg-type]
            description=props.get("Description"),  # type: ignore[arg-type]
            disable_schema_validation=props.get("DisableSchemaValidation"),  # type: ignore[arg-type]
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),  # type: ignore[arg-type]
            name=props.get("Name") or title or name, protocol_type=props.get("ProtocolType", "HTTP"),
            route_selection_expression=props.get("RouteSelectionExpression"),  # type: ignore[arg-type]
            tags=props.get("Tags") or {}, version=props.get("Version"))  # type: ignore[arg-type]
        if body is not None:
            _import_body(api, body)
        return resource(cls, api.api_id, ApiId=api.api_id, ApiEndpoint=_endpoint(api.api_id, where.region))

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        api = _backend(where).get_api(old.physical_resource_id)
        if props.get("Body") is not None:  # a new definition replaces the routes and integrations, not the stages
            api.routes.clear()
            api.integrations.clear()
            _import_body(api, props["Body"])
        return resource(cls, old.physical_resource_id, **old.attributes)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        _backend(where).delete_api(resource.physical_resource_id)


def _import_body(api: Any, body: dict[str, Any]) -> None:
    """Add the routes and integrations an OpenAPI definition describes to `api`."""
    for path, methods in (body.get("paths") or {}).items():
        for method, details in (methods or {}).items():
            spec = (details or {}).get("x-amazon-apigateway-integration") if isinstance(details, dict) else None
            if spec is None:
                continue
            verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            integration = api.create_integration(
                connection_type=spec.get("connectionType", "INTERNET"), description=None,
                integration_method=spec.get("httpMethod"), integration_type=str(spec.get("type", "")).upper(),
                integration_uri=spec.get("uri"), payload_format_version=spec.get("payloadFormatVersion"),
                timeout_in_millis=spec.get("timeoutInMillis"))
            route_key = "$default" if path == "$default" else f"{verb} {path}"
            api.create_route(api_key_required=False, authorization_scopes=[], route_key=route_key,
                             target=f"integrations/{integration.id}")
    if isinstance(body.get("x-amazon-apigateway-cors"), dict):
        api.cors_configuration = body["x-amazon-apigateway-cors"]


class _ApiPart(Provider):
    """A resource that belongs to one HTTP API: deleting it does nothing once its API is gone with it."""

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        api_id, backend = resource.attributes["ApiId"], _backend(where)
        if api_id in backend.apis:  # the part went with its API when that was deleted first
            cls._remove(backend, api_id, resource.physical_resource_id)

    @classmethod
    def _remove(cls, backend: ApiGatewayV2Backend, api_id: str, part_id: str) -> None:
        """Delete the part from its API."""
        raise NotImplementedError


class Stage(_ApiPart):
    """AWS::ApiGatewayV2::Stage: Ref is the stage name."""

    TYPE = "AWS::ApiGatewayV2::Stage"
    REPLACE_ON = ("ApiId", "StageName")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        config = {"stageName": props["StageName"], "autoDeploy": props.get("AutoDeploy"),
                  "description": props.get("Description"), "stageVariables": props.get("StageVariables") or {}}
        _backend(where).create_stage(str(props["ApiId"]), config)
        return resource(cls, str(props["StageName"]), ApiId=str(props["ApiId"]))

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        return resource(cls, old.physical_resource_id, **old.attributes)

    @classmethod
    def _remove(cls, backend: ApiGatewayV2Backend, api_id: str, part_id: str) -> None:
        backend.delete_stage(api_id, part_id)


class Integration(_ApiPart):
    """AWS::ApiGatewayV2::Integration: Ref is the integration ID; any change replaces it."""

    TYPE = "AWS::ApiGatewayV2::Integration"
    REPLACE_ON_ANY_CHANGE = True

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        api_id = str(props["ApiId"])
        made = _backend(where).create_integration(
            api_id=api_id, connection_id=props.get("ConnectionId"),  # type: ignore[arg-type]
            connection_type=props.get("ConnectionType"), content_handling_strategy=None,  # type: ignore[arg-type]
            credentials_arn=props.get("CredentialsArn"), description=props.get("Description"),  # type: ignore[arg-type]
            integration_method=props.get("IntegrationMethod"),  # type: ignore[arg-type]
            integration_subtype=props.get("IntegrationSubtype"),  # type: ignore[arg-type]
            integration_type=props["IntegrationType"], integration_uri=props.get("IntegrationUri"),  # type: ignore[arg-type]
            passthrough_behavior=None, payload_format_version=props.get("PayloadFormatVersion"),  # type: ignore[arg-type]
            request_parameters=props.get("RequestParameters"), request_templates=None,
            response_parameters=None, template_selection_expression=None,  # type: ignore[arg-type]
            timeout_in_millis=props.get("TimeoutInMillis"), tls_config=None)  # type: ignore[arg-type]
        return resource(cls, made.id, ApiId=api_id)

    @classmethod
    def _remove(cls, backend: ApiGatewayV2Backend, api_id: str, part_id: str) -> None:
        backend.delete_integration(api_id, part_id)


class Route(_ApiPart):
    """AWS::ApiGatewayV2::Route: Ref is the route ID; any change replaces it."""

    TYPE = "AWS::ApiGatewayV2::Route"
    REPLACE_ON_ANY_CHANGE = True

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        api_id = str(props["ApiId"])
        made = _backend(where).create_route(
            api_id=api_id, api_key_required=bool(props.get("ApiKeyRequired")),
            authorization_scopes=props.get("AuthorizationScopes") or [],
            authorization_type=props.get("AuthorizationType"), authorizer_id=props.get("AuthorizerId"),  # type: ignore[arg-type]
            model_selection_expression=None, operation_name=props.get("OperationName"),  # type: ignore[arg-type]
            request_models=None, request_parameters=None, route_key=props["RouteKey"],
            route_response_selection_expression=None, target=props.get("Target"))  # type: ignore[arg-type]
        return resource(cls, made.route_id, ApiId=api_id)

    @classmethod
    def _remove(cls, backend: ApiGatewayV2Backend, api_id: str, part_id: str) -> None:
        backend.delete_route(api_id, part_id)


PROVIDERS: tuple[type[Provider], ...] = (Api, Stage, Integration, Route)
