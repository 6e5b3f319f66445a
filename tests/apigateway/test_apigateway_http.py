"""HTTP APIs through the data plane: routes, payload format 2.0 and its response rules, stages and errors."""

from __future__ import annotations

import boto3
import pytest
import requests
from apigw_support import ACCOUNT, REGION

from localaws.apigateway.integrations import PERMISSION_MARK


def test_route_event_is_format_2(sb, http_api, scripted):
    api = http_api().route("POST /items/{id}", "AWS_PROXY", scripted).stage()
    answer = requests.post(
        f"{sb.api_url(api)}/items/7?a=1&a=2&b=x",
        data="hello",
        cookies={"c1": "v1"},
        headers={"X-Client": "t", "Content-Type": "text/plain"},
    )
    assert answer.status_code == 200 and answer.headers["apigw-requestid"]
    event = answer.json()
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "POST /items/{id}", "/items/7")
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["cookies"] == ["c1=v1"] and "cookie" not in event["headers"]
    assert event["headers"]["x-client"] == "t"
    assert event["pathParameters"] == {"id": "7"}
    assert (event["body"], event["isBase64Encoded"]) == ("hello", False)
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["stage"] == "$default"
    assert "stageVariables" not in event


def test_binary_request_body_is_base64(sb, http_api, scripted):
    api = http_api().route("POST /upload", "AWS_PROXY", scripted).stage()
    event = requests.post(
        f"{sb.api_url(api)}/upload",
        data=bytes([0, 159, 255]),
        headers={"Content-Type": "application/octet-stream"},
    ).json()
    assert event["isBase64Encoded"] is True and event["body"] == "AJ//"


def test_route_selection(sb, http_api, scripted):
    builder = (
        http_api()
        .route("GET /items/{id}", "AWS_PROXY", scripted)
        .route("ANY /{proxy+}", "AWS_PROXY", scripted)
    )
    api = (
        builder.route("GET /items/special", "AWS_PROXY", scripted)
        .route("$default", "AWS_PROXY", scripted)
        .stage()
    )
    base = sb.api_url(api)
    assert requests.get(f"{base}/items/1").json()["routeKey"] == "GET /items/{id}"
    assert requests.get(f"{base}/items/special").json()["routeKey"] == "GET /items/special"
    greedy = requests.patch(f"{base}/deep/er/path").json()
    assert greedy["routeKey"] == "ANY /{proxy+}" and greedy["pathParameters"] == {"proxy": "deep/er/path"}
    assert requests.get(f"{base}/").json()["routeKey"] == "$default"


def test_unknown_route_is_404(sb, http_api, scripted):
    api = http_api().route("GET /items", "AWS_PROXY", scripted).stage()
    for method, path in (("GET", "/other"), ("DELETE", "/items")):
        answer = requests.request(method, f"{sb.api_url(api)}{path}")
        assert answer.status_code == 404 and answer.json() == {"message": "Not Found"}


def test_named_stage_and_variables(sb, http_api, scripted):
    api = http_api().route("GET /items", "AWS_PROXY", scripted).stage("beta", {"color": "blue"})
    event = requests.get(f"{sb.api_url(api, 'beta')}/items").json()
    assert event["requestContext"]["stage"] == "beta"
    assert event["rawPath"] == "/beta/items"  # HTTP APIs keep the stage in rawPath
    assert event["stageVariables"] == {"color": "blue"}
    assert requests.get(f"{sb.api_url(api)}/items").status_code == 404  # there is no $default stage


def test_response_rules_of_format_2(sb, http_api, scripted):
    api = http_api().route("GET /r", "AWS_PROXY", scripted).stage()
    base = f"{sb.api_url(api)}/r"
    listed = requests.get(base, params={"mode": "list"})
    assert listed.status_code == 200 and listed.headers["Content-Type"] == "application/json"
    assert listed.json() == [1, 2, 3]
    assert requests.get(base, params={"mode": "plain"}).json() == {"hello": "world"}
    nostatus = requests.get(base, params={"mode": "nostatus"})  # no statusCode: the whole object is the body
    assert nostatus.status_code == 200 and nostatus.json() == {"body": "x"}
    cookies = requests.get(base, params={"mode": "cookies"})
    assert cookies.status_code == 201 and cookies.text == "made" and cookies.headers["X-Answer"] == "42"
    assert cookies.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert requests.get(base, params={"mode": "binary"}).content == bytes([0, 1, 2, 255])


def test_failures_500_and_timeout_504(sb, http_api, scripted):
    """An HTTP API answers 500 {"message":"Internal Server Error"} when its Lambda integration fails: the
    function raised, or its payload format 2.0 response is malformed (a REST API would answer 502).

    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
    """
    api = http_api().route("GET /f", "AWS_PROXY", scripted, TimeoutInMillis=300).stage()
    base = f"{sb.api_url(api)}/f"
    for mode in ("fail", "dictbody"):
        answer = requests.get(base, params={"mode": mode})
        assert answer.status_code == 500 and answer.json() == {"message": "Internal Server Error"}, mode
        assert answer.headers["x-sandbox-reason"].startswith(("the function failed", "malformed")), mode
    slow = requests.get(base, params={"mode": "sleep", "s": "1.5"}, timeout=10)
    assert slow.status_code == 504 and slow.elapsed.total_seconds() < 1.4


def test_failures_on_format_1_routes_are_500_too(sb, http_api, scripted):
    """The HTTP API, not the payload format, decides the answer: a format 1.0 route that fails is a 500 as well.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
    """
    api = http_api().route("GET /old", "AWS_PROXY", scripted, PayloadFormatVersion="1.0").stage()
    for mode in ("fail", "list"):
        answer = requests.get(f"{sb.api_url(api)}/old", params={"mode": mode})
        assert answer.status_code == 500 and answer.json() == {"message": "Internal Server Error"}, mode


def test_payload_format_1_on_http_api(sb, http_api, scripted):
    api = http_api().route("GET /old/{id}", "AWS_PROXY", scripted, PayloadFormatVersion="1.0").stage()
    event = requests.get(f"{sb.api_url(api)}/old/3?x=1").json()
    assert "version" not in event or event["version"] != "2.0"
    assert (event["resource"], event["path"], event["pathParameters"]) == ("/old/{id}", "/old/3", {"id": "3"})
    assert event["multiValueQueryStringParameters"] == {"x": ["1"]}


def test_http_proxy_integration(sb, http_api, backend):
    api = http_api().route("ANY /orders/{proxy+}", "HTTP_PROXY", f"{backend}/v1/{{proxy}}").stage()
    answer = requests.post(f"{sb.api_url(api)}/orders/17/lines?all=1", data="x", headers={"X-Client": "k"})
    assert answer.status_code == 207
    assert answer.json() == {
        "method": "POST",
        "path": "/v1/17/lines",
        "query": "all=1",
        "header": "k",
        "body": "x",
    }
    refused = http_api().route("GET /ext", "HTTP_PROXY", "https://10.0.0.8/x").stage()
    assert requests.get(f"{sb.api_url(refused)}/ext").status_code == 502


def test_private_integration_target(sb, http_api, backend):
    """A VPC-link integration passes the request's path and query through to the load balancer."""
    from localaws.apigateway import register_private_target

    listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/eks/abc/def"
    register_private_target(listener, backend)
    link = boto3.client("apigatewayv2").create_vpc_link(Name="eks", SubnetIds=["subnet-a"])["VpcLinkId"]
    api = (
        http_api()
        .route("GET /svc", "HTTP_PROXY", listener, ConnectionType="VPC_LINK", ConnectionId=link)
        .stage()
    )
    answer = requests.get(f"{sb.api_url(api)}/svc?page=2").json()
    assert answer["path"] == "/svc" and answer["query"] == "page=2"


@pytest.mark.parametrize(
    ("connection", "reason"),
    [
        ({}, "only through a VPC link"),
        ({"ConnectionType": "VPC_LINK", "ConnectionId": "bogus"}, "names no VPC link"),
    ],
)
def test_a_load_balancer_without_a_real_vpc_link_answers_500(sb, http_api, backend, connection, reason):
    """API Gateway cannot reach a load balancer inside a VPC by its ARN alone, nor through a link that is not."""
    from localaws.apigateway import register_private_target

    listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/private/abc/def"
    register_private_target(listener, backend)
    api = http_api().route("GET /svc", "HTTP_PROXY", listener, **connection).stage()
    answer = requests.get(f"{sb.api_url(api)}/svc")
    assert answer.status_code == 500 and answer.json() == {"message": "Internal Server Error"}
    assert reason in answer.headers["x-sandbox-reason"]


def test_lambda_route_needs_the_function_policy_grant(sb, http_api, scripted, caplog):
    builder = http_api().route("GET /items/{id}", "AWS_PROXY", scripted)
    api = builder.stage(grant=False)
    url = f"{sb.api_url(api)}/items/3"
    refused = requests.get(url)
    assert refused.status_code == 500 and refused.json() == {"message": "Internal Server Error"}
    assert refused.headers["x-sandbox-reason"].startswith(PERMISSION_MARK)
    assert any("apigateway.amazonaws.com may not invoke" in r.getMessage() for r in caplog.records)
    execution = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}"
    lam = boto3.client("lambda")
    lam.add_permission(FunctionName=scripted, StatementId=f"post-{api}", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"{execution}/*/POST/items/*")
    assert requests.get(url).status_code == 500  # a grant for another method does not cover GET
    lam.add_permission(FunctionName=scripted, StatementId=f"get-{api}", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"{execution}/*/GET/items/*")
    assert requests.get(url).status_code == 200


def test_grant_checks_can_be_turned_off(sb, http_api, scripted):
    api = http_api().route("GET /open", "AWS_PROXY", scripted).stage(grant=False)
    sb.enforce_resource_policies = False
    assert requests.get(f"{sb.api_url(api)}/open").status_code == 200
