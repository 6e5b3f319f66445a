"""What the resource providers share: which changes replace a resource, and deleting the parts of an HTTP API.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-route.html and
aws-resource-apigatewayv2-integration.html (every property: "Update requires: Replacement"),
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-stage.html (StageName
and ApiId: Replacement; the rest: No interruption)
"""

from __future__ import annotations

import boto3

from localaws.cloudformation.http_api import Route, Stage
from localaws.cloudformation.lambda_resources import Permission
from localaws.cloudformation.providers import Where, resource


def _made(provider, **properties):
    made = resource(provider, "id-1")
    made.properties = properties
    return made


def test_any_change_replaces_a_type_whose_every_property_needs_replacement():
    old = _made(Route, ApiId="a1", RouteKey="GET /", Target="integrations/x")
    assert Route.needs_replacement(old, {"ApiId": "a1", "RouteKey": "GET /", "Target": "integrations/y"})
    assert Permission.needs_replacement(_made(Permission, Action="lambda:InvokeFunction"),
                                        {"Action": "lambda:GetFunction"})
    assert not Route.needs_replacement(old, dict(old.properties))


def test_only_the_listed_properties_replace_other_types():
    old = _made(Stage, ApiId="a1", StageName="prod", Description="one")
    assert not Stage.needs_replacement(old, {"ApiId": "a1", "StageName": "prod", "Description": "two"})
    assert Stage.needs_replacement(old, {"ApiId": "a1", "StageName": "test", "Description": "one"})


def test_a_part_of_an_api_is_deleted_from_it_and_is_no_error_once_the_api_is_gone(sb, unique):
    client = boto3.client("apigatewayv2")
    api_id = client.create_api(Name=f"api-{unique}", ProtocolType="HTTP")["ApiId"]
    route_id = client.create_route(ApiId=api_id, RouteKey="GET /items")["RouteId"]
    where = Where(boto3.client("sts").get_caller_identity()["Account"], client.meta.region_name)
    Route.delete(resource(Route, route_id, ApiId=api_id), where)
    assert client.get_routes(ApiId=api_id)["Items"] == []
    client.delete_api(ApiId=api_id)
    Route.delete(resource(Route, route_id, ApiId=api_id), where)  # the API went first: nothing left to delete
