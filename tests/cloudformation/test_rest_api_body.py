"""SAM Api events: a REST API imported from its Swagger 2.0 Body, deployed to its Prod stage, and served.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-api.html
(an Api event without RestApiId makes the implicit ServerlessRestApi, its deployment and its Prod stage)
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api.html
(importing a definition makes a resource per path part and a method per operation; overwrite replaces them)
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-integration.html
(x-amazon-apigateway-integration: type aws_proxy, httpMethod POST, uri the function's invocation ARN)
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
(the REST proxy event carries resource, path, httpMethod and pathParameters)
"""

from __future__ import annotations

import json

import boto3
import pytest
import requests
from moto.apigateway.models import apigateway_backends

from lambda_course.stacks import StackFailed, delete_stack, deploy_stack, lint_template
from localaws.cloudformation.rest_api_body import DefinitionError, import_body

ACCOUNT, REGION = "123456789012", "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"
INVOCATION_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
MISSING_LAYER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:nope:1"


def api_template(path: str, method: str, says: str = "v1") -> str:
    """A SAM function answering the REST proxy event's fields, behind one Api event on `method` `path`."""
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 10
      InlineCode: |
        import json
        def handler(event, context):
            keys = ("resource", "path", "httpMethod", "pathParameters")
            answer = {{k: event[k] for k in keys}}
            answer["says"] = "{says}"
            answer["stage"] = event["requestContext"]["stage"]
            return {{"statusCode": 200, "body": json.dumps(answer)}}
      Events:
        Call:
          Type: Api
          Properties:
            Path: {path}
            Method: {method}
Outputs:
  Api: {{Value: !Ref ServerlessRestApi}}
  Function: {{Value: !Ref Fn}}
"""


def call(sb, api_id: str, path: str, verb: str = "GET") -> requests.Response:
    return requests.request(verb, sb.api_url(api_id, stage="Prod") + path, timeout=30)


def test_the_templates_pass_cfn_lint():
    for path, method in (("/orders/{id}", "get"), ("/{proxy+}", "any")):
        assert [f for f in lint_template(api_template(path, method)) if f.startswith("error")] == []


def test_a_get_event_with_a_path_parameter_is_served_at_prod_and_updates_and_deletes(sb, unique):
    stack = f"rest-{unique}"
    out = deploy_stack(stack, api_template("/orders/{id}", "get"))
    types = {r["LogicalResourceId"]: r["ResourceType"] for r in boto3.client("cloudformation")
             .describe_stack_resources(StackName=stack)["StackResources"]}
    assert types["ServerlessRestApi"] == "AWS::ApiGateway::RestApi"
    assert types["ServerlessRestApiProdStage"] == "AWS::ApiGateway::Stage"
    paths = {r["path"]: set(r.get("resourceMethods", {})) for r in
             boto3.client("apigateway").get_resources(restApiId=out["Api"])["items"]}
    assert paths == {"/": set(), "/orders": set(), "/orders/{id}": {"GET"}}
    method = boto3.client("apigateway").get_method(restApiId=out["Api"], httpMethod="GET", resourceId=next(
        r["id"] for r in boto3.client("apigateway").get_resources(restApiId=out["Api"])["items"]
        if r["path"] == "/orders/{id}"))
    integration = method["methodIntegration"]
    assert (integration["type"], integration["httpMethod"]) == ("AWS_PROXY", "POST")
    assert integration["uri"].endswith(f":function:{out['Function']}/invocations")  # Fn::Sub resolved

    answer = call(sb, out["Api"], "/orders/42")
    assert answer.status_code == 200
    assert answer.json() == {"resource": "/orders/{id}", "path": "/orders/42", "httpMethod": "GET",
                             "pathParameters": {"id": "42"}, "says": "v1", "stage": "Prod"}
    assert call(sb, out["Api"], "/orders/42", "POST").status_code == 403  # no such method

    # A changed path re-imports the definition: the old route is gone, the new one answers.
    deploy_stack(stack, api_template("/items/{sku}", "get", says="v2"))
    assert call(sb, out["Api"], "/orders/42").status_code == 403
    moved = call(sb, out["Api"], "/items/a-1")
    assert moved.status_code == 200 and moved.json()["pathParameters"] == {"sku": "a-1"}
    assert moved.json()["says"] == "v2"

    delete_stack(stack)
    assert out["Api"] not in {a["id"] for a in boto3.client("apigateway").get_rest_apis()["items"]}


def test_a_proxy_event_on_any_method_takes_every_path_and_verb(sb, unique):
    stack = f"proxy-{unique}"
    out = deploy_stack(stack, api_template("/{proxy+}", "any"))
    for verb, path in (("GET", "/a"), ("POST", "/a/b/c"), ("DELETE", "/x")):
        answer = call(sb, out["Api"], path, verb)
        assert answer.status_code == 200, answer.text
        assert answer.json()["resource"] == "/{proxy+}" and answer.json()["httpMethod"] == verb
        assert answer.json()["pathParameters"] == {"proxy": path.lstrip("/")}
    delete_stack(stack)


def test_a_failed_update_rolls_back_to_the_old_routes(sb, unique):
    stack = f"restrb-{unique}"
    out = deploy_stack(stack, api_template("/orders/{id}", "get"))
    broken = api_template("/items/{sku}", "get", says="v2").replace(
        "      Timeout: 10\n", f"      Timeout: 10\n      Layers: [{MISSING_LAYER}]\n")
    with pytest.raises(StackFailed, match="rolled back"):
        deploy_stack(stack, broken)
    answer = call(sb, out["Api"], "/orders/7")
    assert answer.status_code == 200 and answer.json()["says"] == "v1"
    delete_stack(stack)


def test_the_api_needs_the_permission_sam_adds(sb, unique):
    out = deploy_stack(f"restperm-{unique}", api_template("/orders/{id}", "get"))
    statement = boto3.client("lambda").get_policy(FunctionName=out["Function"])["Policy"]
    assert f":{out['Api']}/*/GET/orders/*" in statement
    assert call(sb, out["Api"], "/orders/1").status_code == 200
    grant = json.loads(statement)["Statement"][0]
    boto3.client("lambda").remove_permission(FunctionName=out["Function"], StatementId=grant["Sid"])
    assert call(sb, out["Api"], "/orders/1").status_code == 500  # API Gateway may no longer invoke it
    boto3.client("lambda").add_permission(  # back as the stack made it, so that the stack deletes cleanly
        FunctionName=out["Function"], StatementId=grant["Sid"], Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=grant["Condition"]["ArnLike"]["AWS:SourceArn"])
    delete_stack(f"restperm-{unique}")


def test_an_openapi_3_body_imports_too(sb, unique):
    backend = apigateway_backends[ACCOUNT][REGION]
    api = backend.create_rest_api(name=f"oas-{unique}", description="")
    import_body(backend, api.id, {"openapi": "3.0.1", "paths": {"/a/{b}": {"x-amazon-apigateway-any-method": {
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": INVOCATION_URI}}}}})
    assert {r.get_path(): set(r.resource_methods) for r in api.resources.values()} == \
        {"/": set(), "/a": set(), "/a/{b}": {"ANY"}}
    backend.delete_rest_api(api.id)


def test_bodies_api_gateway_would_refuse_fail_loudly(sb, unique):
    backend = apigateway_backends[ACCOUNT][REGION]
    api = backend.create_rest_api(name=f"bad-{unique}", description="")
    with pytest.raises(DefinitionError, match="neither Swagger 2.0"):
        import_body(backend, api.id, {"swagger": "1.2", "paths": {}})
    with pytest.raises(DefinitionError, match="uri that is not a string"):
        import_body(backend, api.id, {"swagger": "2.0", "paths": {"/a": {"get": {
            "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                                                "uri": {"Fn::Sub": "x"}}}}}})
    backend.delete_rest_api(api.id)


def test_a_bad_body_in_a_stack_fails_the_resource_and_leaves_no_api(sb, unique):
    template = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: bad-body-NAME
      Body:
        swagger: '2.0'
        info: {title: t, version: '1'}
        paths:
          /a:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, uri: 'URI'}
""".replace("NAME", unique).replace("URI", INVOCATION_URI)
    with pytest.raises(StackFailed, match=r"Api \(AWS::ApiGateway::RestApi\): .*[Ii]ntegration"):
        deploy_stack(f"badbody-{unique}", template)
    assert f"bad-body-{unique}" not in {a["name"] for a in boto3.client("apigateway").get_rest_apis()["items"]}
