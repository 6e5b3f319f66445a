"""AWS::ApiGateway::RestApi in stacks: moto's model, except that a Body (an OpenAPI definition) fails loudly.

A REST API defined by its Body (as SAM writes for Api events) would need the definition imported: moto's import
takes only OpenAPI 3 and SAM writes Swagger 2.0, so the sandbox's CloudFormation fails such a resource with a
message saying so, rather than make an API without its routes. A RestApi declared with Name, and its
Resource, Method and Deployment resources, is moto's own model.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import RestAPI

from localaws.cloudformation.providers import Provider

UNSUPPORTED = ("The sandbox's CloudFormation cannot import a REST API from its Body or BodyS3Location (SAM's Api "
               "events write one): use an HttpApi event, or declare the API's resources and methods")


class RestApi(Provider):
    """AWS::ApiGateway::RestApi: refuses a Body, otherwise moto's model does the work."""

    TYPE = "AWS::ApiGateway::RestApi"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return bool(RestAPI.has_cfn_attr(attr))

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        if "Body" in props or "BodyS3Location" in props:
            raise NotImplementedError(UNSUPPORTED)
        return RestAPI.create_from_cloudformation_json(resource_name, cloudformation_json, account_id,
                                                       region_name, **kwargs)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        return RestAPI.update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json,
                                                       account_id, region_name)


PROVIDERS: tuple[type[Provider], ...] = (RestApi,)
