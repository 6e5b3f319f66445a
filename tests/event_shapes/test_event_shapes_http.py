"""Events of HTTP requests: REST API proxy (1.0), HTTP API (2.0 and 1.0) and function URLs, against AWS's examples.

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
"""

from __future__ import annotations

import http.client
import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from shape_support import Allowances, assert_documented_shape

from lambda_course import checks

USER_AGENT = "shape-check/1.0"
# The parts each page shows only when a feature is on: an authorizer, a client certificate (mutual TLS).
FORMAT_1_ALLOWS = Allowances(
    optional=frozenset({"requestContext.authorizer", "requestContext.identity.clientCert"}),
    nullable=frozenset({"requestContext.resourceId", "pathParameters", "stageVariables"}),
    maps=frozenset({"headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
                    "pathParameters", "stageVariables"}),
    any_text=frozenset({"body"}),
)
FORMAT_2_ALLOWS = Allowances(
    optional=frozenset({"requestContext.authentication", "requestContext.authorizer"}),
    maps=frozenset({"headers", "queryStringParameters", "pathParameters", "stageVariables"}),
    any_text=frozenset({"body"}),
)


def _send(url: str, method: str = "POST", body: bytes = b"Hello from client!") -> tuple[dict, dict]:
    """Send a request with a repeated header, mixed-case header names and cookies; (the event, the headers)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest(method, f"{parts.path}?{parts.query}", skip_accept_encoding=True)
    for name, value in [("User-Agent", USER_AGENT), ("headerName", "headerValue"), ("X-Multi", "one"),
                        ("X-Multi", "two"), ("Cookie", "cookie1=a; cookie2=b"), ("Content-Type", "text/plain"),
                        ("Content-Length", str(len(body)))]:
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    answer, headers = response.read(), dict(response.getheaders())
    connection.close()
    assert response.status == 200, answer
    return json.loads(answer), headers


def _grant(recorder, api_id: str) -> None:
    recorder.grant("apigateway.amazonaws.com", f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*")


def _check_time(epoch_ms: int, text: str) -> None:
    """The request's time, in both its forms, is now and the same second."""
    assert abs(time.time() * 1000 - epoch_ms) < 30_000
    assert datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z") == datetime.fromtimestamp(epoch_ms // 1000, UTC)


def _rest_api(recorder) -> tuple[str, str]:
    """A REST API with POST /orders/{id} proxied to the function, deployed to stage "test"; (api id, resource id)."""
    client = boto3.client("apigateway")
    api = client.create_rest_api(name=f"orders-{recorder.name}")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    orders = client.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
    order = client.create_resource(restApiId=api, parentId=orders, pathPart="{id}")["id"]
    client.put_method(restApiId=api, resourceId=order, httpMethod="POST", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=order, httpMethod="POST", type="AWS_PROXY",
                           integrationHttpMethod="POST",
                           uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{recorder.arn}"
                               "/invocations")
    client.create_deployment(restApiId=api, stageName="test", variables={"table": "orders"})
    _grant(recorder, api)
    return api, order


def test_rest_api_proxy_event(sb, recorder):
    """REST API, Lambda proxy integration: the documented input format, filled in from the API and the request.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
    """
    api, resource_id = _rest_api(recorder)
    event, _ = _send(f"{sb.api_url(api, 'test')}/orders/42?color=red&color=blue&size=m")
    assert_documented_shape(event, "apigateway-rest-proxy", FORMAT_1_ALLOWS)
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/orders/{id}", "/orders/42", "POST")
    assert event["headers"]["headerName"] == "headerValue"  # names keep the case the client sent
    assert event["headers"]["X-Multi"] == "two" and event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["queryStringParameters"] == {"color": "blue", "size": "m"}
    assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"], "size": ["m"]}
    assert (event["pathParameters"], event["stageVariables"]) == ({"id": "42"}, {"table": "orders"})
    assert (event["body"], event["isBase64Encoded"]) == ("Hello from client!", False)
    context = event["requestContext"]
    assert (context["accountId"], context["apiId"], context["stage"]) == ("123456789012", api, "test")
    assert (context["resourceId"], context["resourcePath"]) == (resource_id, "/orders/{id}")
    assert (context["httpMethod"], context["path"], context["protocol"]) == ("POST", "/test/orders/42", "HTTP/1.1")
    assert context["domainName"] == f"{api}.execute-api.us-east-1.amazonaws.com"
    assert context["domainPrefix"] == api
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", context["requestId"])
    assert context["extendedRequestId"] != context["requestId"]
    assert (context["identity"]["sourceIp"], context["identity"]["userAgent"]) == ("127.0.0.1", USER_AGENT)
    _check_time(context["requestTimeEpoch"], context["requestTime"])


def _http_api(recorder, route: str, payload_version: str) -> str:
    """An HTTP API whose `route` goes to the function in this payload format, on an auto-deployed $default stage."""
    client = boto3.client("apigatewayv2")
    api = client.create_api(Name=f"orders-{recorder.name}", ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=recorder.arn,
                                            PayloadFormatVersion=payload_version)["IntegrationId"]
    client.create_route(ApiId=api, RouteKey=route, Target=f"integrations/{integration}")
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=True, StageVariables={"table": "orders"})
    _grant(recorder, api)
    return api


def _check_format_2(event: dict, raw_path: str) -> None:
    """What payload format 2.0 makes of the request `_send` sends, wherever it arrives."""
    assert (event["version"], event["rawPath"]) == ("2.0", raw_path)
    assert event["rawQueryString"] == "color=red&color=blue&size=m"
    assert event["queryStringParameters"] == {"color": "red,blue", "size": "m"}
    assert event["cookies"] == ["cookie1=a", "cookie2=b"] and "cookie" not in event["headers"]
    assert event["headers"]["headername"] == "headerValue" and event["headers"]["x-multi"] == "one,two"
    assert all(name == name.lower() for name in event["headers"])
    assert (event["body"], event["isBase64Encoded"]) == ("Hello from client!", False)
    http = event["requestContext"]["http"]
    assert (http["method"], http["path"], http["protocol"]) == ("POST", raw_path, "HTTP/1.1")
    assert (http["sourceIp"], http["userAgent"]) == ("127.0.0.1", USER_AGENT)
    _check_time(event["requestContext"]["timeEpoch"], event["requestContext"]["time"])


def test_http_api_payload_2_event(sb, recorder):
    """HTTP API, payload format 2.0: the documented example's shape, the route's and the request's values.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    """
    api = _http_api(recorder, "POST /orders/{id}", "2.0")
    event, headers = _send(f"{sb.api_url(api)}/orders/42?color=red&color=blue&size=m")
    assert_documented_shape(event, "http-api-payload-2.0", FORMAT_2_ALLOWS)
    _check_format_2(event, "/orders/42")
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "POST /orders/{id}"
    assert (event["pathParameters"], event["stageVariables"]) == ({"id": "42"}, {"table": "orders"})
    context = event["requestContext"]
    assert (context["accountId"], context["apiId"], context["stage"]) == ("123456789012", api, "$default")
    assert (context["domainName"], context["domainPrefix"]) == (f"{api}.execute-api.us-east-1.amazonaws.com", api)
    assert context["requestId"] == headers["apigw-requestid"]


def test_http_api_payload_1_event(sb, recorder):
    """HTTP API, payload format 1.0: the documented 1.0 example, with its `version`, from the route and request.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    """
    api = _http_api(recorder, "POST /orders/{id}", "1.0")
    event, headers = _send(f"{sb.api_url(api)}/orders/42?color=red&color=blue&size=m")
    assert_documented_shape(event, "http-api-payload-1.0", FORMAT_1_ALLOWS)
    assert (event["version"], event["resource"], event["path"]) == ("1.0", "/orders/{id}", "/orders/42")
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"], "size": ["m"]}
    assert (event["pathParameters"], event["stageVariables"]) == ({"id": "42"}, {"table": "orders"})
    context = event["requestContext"]
    assert (context["apiId"], context["stage"], context["path"]) == (api, "$default", "/orders/42")
    assert context["domainName"] == f"{api}.execute-api.us-east-1.amazonaws.com"
    assert context["requestId"] == headers["apigw-requestid"]
    _check_time(context["requestTimeEpoch"], context["requestTime"])


def test_function_url_event(sb, recorder):
    """A function URL (AuthType NONE): the documented request payload, with the URL's own id and domain.

    https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
    """
    lam = boto3.client("lambda")
    url = lam.create_function_url_config(FunctionName=recorder.name, AuthType="NONE")["FunctionUrl"]
    lam.add_permission(FunctionName=recorder.name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName=recorder.name, StatementId="url-invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True)
    event, headers = _send(f"{sb.function_url(recorder.name)}/my/path?color=red&color=blue&size=m")
    # pathParameters and stageVariables: "Lambda sets this to null or excludes this from the JSON"
    assert_documented_shape(event, "function-url-request", Allowances(
        optional=frozenset({"pathParameters", "stageVariables"}), nullable=frozenset({"requestContext.authorizer"}),
        maps=FORMAT_2_ALLOWS.maps, any_text=FORMAT_2_ALLOWS.any_text))
    _check_format_2(event, "/my/path")
    assert event["routeKey"] == "$default"
    context = event["requestContext"]
    url_id = urlsplit(url).hostname.split(".")[0]
    assert (context["accountId"], context["apiId"], context["domainPrefix"]) == ("123456789012", url_id, url_id)
    assert context["domainName"] == urlsplit(url).hostname == f"{url_id}.lambda-url.us-east-1.on.aws"
    assert (context["authentication"], context["authorizer"]) == (None, None)  # AuthType NONE
    assert (context["routeKey"], context["stage"]) == ("$default", "$default")
    assert context["requestId"] == headers["x-amzn-RequestId"]


def _role_session(name: str) -> tuple[Credentials, dict]:
    """Credentials of a role session allowed to call function URLs, and GetCallerIdentity's answer for them."""
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                     "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]}]}
    iam.put_role_policy(RoleName=name, PolicyName="call-urls", PolicyDocument=json.dumps(allow))
    keys = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="caller")["Credentials"]
    caller = boto3.client("sts", aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                          aws_session_token=keys["SessionToken"]).get_caller_identity()
    return Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"]), caller


def test_function_url_event_names_the_iam_caller(sb, recorder):
    """AuthType AWS_IAM: `requestContext.authorizer.iam` names the identity that signed the request.

    https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
    """
    boto3.client("lambda").create_function_url_config(FunctionName=recorder.name, AuthType="AWS_IAM")
    credentials, caller = _role_session(f"caller-{recorder.name}")
    request = AWSRequest(method="POST", url=f"{sb.function_url(recorder.name)}/my/path", data=b"signed")
    SigV4Auth(credentials, "lambda", sb.region).add_auth(request)
    prepared = request.prepare()
    answer = requests.post(prepared.url, headers=dict(prepared.headers), data=b"signed")
    assert answer.status_code == 200, answer.text
    event = json.loads(answer.text)
    # the page's caller is an IAM user (arn:aws:iam::...); a role session's ARN is an sts one (arn:aws:sts::...)
    assert_documented_shape(event, "function-url-request", Allowances(
        optional=frozenset({"pathParameters", "stageVariables", "cookies", "queryStringParameters"}),
        maps=FORMAT_2_ALLOWS.maps, any_text=FORMAT_2_ALLOWS.any_text | {"requestContext.authorizer.iam.userArn"}))
    assert caller["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/")
    assert event["requestContext"]["authorizer"] == {"iam": {
        "accessKey": credentials.access_key, "accountId": caller["Account"], "callerId": caller["UserId"],
        "cognitoIdentity": None, "principalOrgId": None, "userArn": caller["Arn"], "userId": caller["UserId"]}}


def test_the_course_s_hand_made_http_event_has_the_documented_shape():
    """`lambda_course.checks.http_event`, which lab checks hand to a learner's handler, is shaped as AWS's 2.0.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    """
    event = checks.http_event("POST", "/bills", {"total": 30}, query={"split": "3"})
    assert_documented_shape(event, "http-api-payload-2.0", Allowances(
        optional=FORMAT_2_ALLOWS.optional | {"cookies", "pathParameters", "stageVariables"},
        maps=FORMAT_2_ALLOWS.maps, any_text=FORMAT_2_ALLOWS.any_text))
    _check_time(event["requestContext"]["timeEpoch"], event["requestContext"]["time"])
