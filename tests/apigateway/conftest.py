"""Fixtures for the API Gateway data plane: one scriptable function, API builders, and a loopback backend."""

from __future__ import annotations

import json
import threading
import uuid

import boto3
import pytest
from apigw_support import grant_api
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from lambda_course.deploy import deploy_function

# The query string (1.0 and 2.0 events both carry it) tells the function how to answer.
SCRIPTED = """
import base64, json, time

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    mode = query.get("mode", "echo")
    if mode == "fail":
        raise RuntimeError("boom")
    if mode == "sleep":
        time.sleep(float(query.get("s", "1")))
    if mode == "list":
        return [1, 2, 3]
    if mode == "plain":
        return {"hello": "world"}
    if mode == "dictbody":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if mode == "extra":
        return {"statusCode": 200, "body": "x", "unexpected": True}
    if mode == "nostatus":
        return {"body": "x"}
    if mode == "cookies":
        return {"statusCode": 201, "cookies": ["a=1", "b=2"], "headers": {"X-Answer": "42"}, "body": "made"}
    if mode == "multi":
        return {"statusCode": 202, "multiValueHeaders": {"X-Many": ["one", "two"]}, "body": "ok"}
    if mode == "binary":
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "body": base64.b64encode(bytes([0, 1, 2, 255])).decode(), "isBase64Encoded": True}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
            "body": json.dumps(event)}
"""


@pytest.fixture(autouse=True)
def default_checks(sb):
    """Every test sees the sandbox's default: triggers need the function policy's grant, as on AWS."""
    sb.set_enforce_resource_policies(None)
    yield
    sb.set_enforce_resource_policies(None)


@pytest.fixture(scope="module")
def scripted(sb) -> str:
    """ARN of a function whose answer the request's `mode` query parameter chooses."""
    return deploy_function(f"scripted-{uuid.uuid4().hex[:8]}", SCRIPTED)["FunctionArn"]


class RestBuilder:
    """A REST API under construction: resources by path, methods with integrations, then a deployment."""

    def __init__(self, binary_types: list[str] | None = None) -> None:
        self.client = boto3.client("apigateway")
        self.api_id = self.client.create_rest_api(
            name=f"rest-{uuid.uuid4().hex[:8]}", binaryMediaTypes=binary_types or []
        )["id"]
        root = self.client.get_resources(restApiId=self.api_id)["items"][0]["id"]
        self.ids = {"/": root}
        self.functions: set[str] = set()

    def resource(self, path: str) -> str:
        if path not in self.ids:
            parent, _, part = path.rpartition("/")
            parent_id = self.resource(parent or "/")
            self.ids[path] = self.client.create_resource(
                restApiId=self.api_id, parentId=parent_id, pathPart=part
            )["id"]
        return self.ids[path]

    def method(self, path: str, verb: str, kind: str, uri: str, **extra) -> RestBuilder:
        rid = self.resource(path)
        if kind == "AWS_PROXY":
            self.functions.add(uri.split("/functions/")[1].removesuffix("/invocations"))
        self.client.put_method(
            restApiId=self.api_id, resourceId=rid, httpMethod=verb, authorizationType="NONE"
        )
        self.client.put_integration(
            restApiId=self.api_id,
            resourceId=rid,
            httpMethod=verb,
            type=kind,
            integrationHttpMethod="POST" if kind == "AWS_PROXY" else verb,
            uri=uri,
            **extra,
        )
        return self

    def deploy(self, stage: str = "dev", variables: dict | None = None, grant: bool = True) -> str:
        """Deploy to `stage`; with `grant`, let API Gateway invoke every function the API integrates."""
        self.client.create_deployment(restApiId=self.api_id, stageName=stage, variables=variables or {})
        for function in self.functions if grant else ():
            grant_api(function, self.api_id)
        return self.api_id


@pytest.fixture
def rest_api(sb) -> type[RestBuilder]:
    return RestBuilder


class HttpApiBuilder:
    """An HTTP API under construction: integrations, routes and stages."""

    def __init__(self) -> None:
        self.client = boto3.client("apigatewayv2")
        self.api_id = self.client.create_api(Name=f"http-{uuid.uuid4().hex[:8]}", ProtocolType="HTTP")[
            "ApiId"
        ]
        self.functions: set[str] = set()

    def route(self, route_key: str, kind: str, uri: str, **extra) -> HttpApiBuilder:
        if kind == "AWS_PROXY":
            extra.setdefault("PayloadFormatVersion", "2.0")
            self.functions.add(uri)
        else:
            extra.setdefault("IntegrationMethod", "ANY")
        integration = self.client.create_integration(
            ApiId=self.api_id, IntegrationType=kind, IntegrationUri=uri, **extra
        )["IntegrationId"]
        self.client.create_route(ApiId=self.api_id, RouteKey=route_key, Target=f"integrations/{integration}")
        return self

    def stage(self, name: str = "$default", variables: dict | None = None, grant: bool = True) -> str:
        """Create the stage; with `grant`, let API Gateway invoke every function the API integrates."""
        self.client.create_stage(
            ApiId=self.api_id, StageName=name, AutoDeploy=True, StageVariables=variables or {}
        )
        for function in self.functions if grant else ():
            grant_api(function, self.api_id)
        return self.api_id


@pytest.fixture
def http_api(sb) -> type[HttpApiBuilder]:
    return HttpApiBuilder


@pytest.fixture(scope="module")
def backend():
    """A plain HTTP service on loopback (standing in for a container behind a VPC link) echoing requests."""

    def app(environ, start_response):
        request = Request(environ)
        body = json.dumps(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode(),
                "header": request.headers.get("X-Client"),
                "body": request.get_data(as_text=True),
            }
        )
        return Response(body, status=207, headers={"X-Backend": "echo"}, mimetype="application/json")(
            environ, start_response
        )

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
