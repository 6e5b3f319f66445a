"""REST APIs through the data plane: payload format 1.0, resources, stages, errors and HTTP proxies."""

from __future__ import annotations

import base64

import boto3
import requests
from apigw_support import ACCOUNT, REGION, lambda_uri

from localaws.apigateway.integrations import PERMISSION_MARK


def test_proxy_event_carries_the_request(sb, rest_api, scripted):
    api = (
        rest_api()
        .method("/items/{id}", "POST", "AWS_PROXY", lambda_uri(scripted))
        .deploy("dev", {"table": "items-dev"})
    )
    answer = requests.post(
        f"{sb.api_url(api, 'dev')}/items/42?tag=a&tag=b",
        data='{"n": 1}',
        headers={"X-Client": "test", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.headers["X-Echo"] == "yes"
    event = answer.json()
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/items/{id}", "/items/42", "POST")
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["headers"]["X-Client"] == "test" and event["multiValueHeaders"]["X-Client"] == ["test"]
    assert event["stageVariables"] == {"table": "items-dev"}
    assert (event["body"], event["isBase64Encoded"]) == ('{"n": 1}', False)
    context = event["requestContext"]
    assert (context["stage"], context["apiId"], context["path"]) == ("dev", api, "/dev/items/42")
    assert context["resourcePath"] == "/items/{id}" and context["httpMethod"] == "POST"


def test_greedy_path_and_any_method(sb, rest_api, scripted):
    builder = rest_api().method("/{proxy+}", "ANY", "AWS_PROXY", lambda_uri(scripted))
    api = builder.method("/health", "GET", "AWS_PROXY", lambda_uri(scripted)).deploy()
    base = sb.api_url(api, "dev")
    greedy = requests.delete(f"{base}/a/b/c").json()
    assert (greedy["resource"], greedy["pathParameters"], greedy["httpMethod"]) == (
        "/{proxy+}",
        {"proxy": "a/b/c"},
        "DELETE",
    )
    assert requests.get(f"{base}/health").json()["resource"] == "/health"  # a literal beats {proxy+}
    assert requests.post(f"{base}/health").status_code == 403  # /health has GET only


def test_unknown_routes_and_stages(sb, rest_api, scripted):
    api = rest_api().method("/items", "GET", "AWS_PROXY", lambda_uri(scripted)).deploy("prod")
    missing = requests.get(f"{sb.api_url(api, 'prod')}/nothing-here")
    assert missing.status_code == 403 and missing.json() == {"message": "Missing Authentication Token"}
    assert requests.put(f"{sb.api_url(api, 'prod')}/items").status_code == 403
    assert requests.get(f"{sb.api_url(api, 'test')}/items").status_code == 403  # no such stage deployed
    unknown = requests.get(f"{sb.apigateway.url}/restapis/nosuchapi/prod/_user_request_/items")
    assert unknown.status_code == 404 and unknown.json() == {"message": "Not Found"}


def test_undeployed_api_answers_nothing(sb, rest_api, scripted):
    builder = rest_api().method("/items", "GET", "AWS_PROXY", lambda_uri(scripted))
    assert (
        requests.get(f"{sb.apigateway.url}/restapis/{builder.api_id}/dev/_user_request_/items").status_code
        == 403
    )
    builder.deploy("dev")
    assert requests.get(f"{sb.api_url(builder.api_id, 'dev')}/items").status_code == 200


def test_function_failures_become_502(sb, rest_api, scripted):
    """A REST API's Lambda proxy integration answers 502 {"message": "Internal server error"} when the function
    fails or returns a response in the wrong format.

    https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html
    """
    api = rest_api().method("/x", "GET", "AWS_PROXY", lambda_uri(scripted)).deploy()
    base = f"{sb.api_url(api, 'dev')}/x"
    for mode in ("fail", "dictbody", "nostatus", "extra", "list"):
        answer = requests.get(base, params={"mode": mode})
        assert answer.status_code == 502, mode
        assert answer.json() == {"message": "Internal server error"}
    assert "failed" in requests.get(base, params={"mode": "fail"}).headers["x-sandbox-reason"]


def test_response_headers_and_binary_body(sb, rest_api, scripted):
    api = rest_api().method("/x", "GET", "AWS_PROXY", lambda_uri(scripted)).deploy()
    base = f"{sb.api_url(api, 'dev')}/x"
    multi = requests.get(base, params={"mode": "multi"})
    assert multi.status_code == 202 and multi.headers["X-Many"] == "one, two"
    binary = requests.get(base, params={"mode": "binary"})
    assert binary.content == bytes([0, 1, 2, 255])


def test_integration_timeout_gives_504(sb, rest_api, scripted):
    api = rest_api().method("/slow", "GET", "AWS_PROXY", lambda_uri(scripted), timeoutInMillis=300).deploy()
    answer = requests.get(f"{sb.api_url(api, 'dev')}/slow", params={"mode": "sleep", "s": "1.5"}, timeout=10)
    assert answer.status_code == 504
    assert answer.json() == {"message": "Endpoint request timed out"}
    assert answer.elapsed.total_seconds() < 1.4


def test_http_proxy_forwards_to_loopback(sb, rest_api, backend):
    api = rest_api().method("/svc/{proxy+}", "ANY", "HTTP_PROXY", f"{backend}/inner/{{proxy}}").deploy()
    answer = requests.put(f"{sb.api_url(api, 'dev')}/svc/a/b?q=1", data="payload", headers={"X-Client": "c"})
    assert answer.status_code == 207 and answer.headers["X-Backend"] == "echo"
    assert answer.json() == {
        "method": "PUT",
        "path": "/inner/a/b",
        "query": "q=1",
        "header": "c",
        "body": "payload",
    }


def test_http_proxy_refuses_other_hosts(sb, rest_api):
    api = rest_api().method("/out", "GET", "HTTP_PROXY", "http://example.com/").deploy()
    answer = requests.get(f"{sb.api_url(api, 'dev')}/out")
    assert answer.status_code == 502
    assert "loopback" in answer.headers["x-sandbox-reason"]


def test_binary_media_types_reach_the_function_as_base64(sb, rest_api, scripted):
    api = rest_api(["image/png"]).method("/upload", "POST", "AWS_PROXY", lambda_uri(scripted)).deploy()
    image = b"\x89PNG\r\n\x1a\n\x00\xff"
    event = requests.post(f"{sb.api_url(api, 'dev')}/upload", data=image, headers={"Content-Type": "image/png"}).json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == image
    text = requests.post(f"{sb.api_url(api, 'dev')}/upload", json={"n": 1}).json()
    assert (text["isBase64Encoded"], text["body"]) == (False, '{"n": 1}')


def test_lambda_method_needs_the_function_policy_grant(sb, rest_api, scripted):
    api = rest_api().method("/orders/{id}", "GET", "AWS_PROXY", lambda_uri(scripted)).deploy(grant=False)
    url = f"{sb.api_url(api, 'dev')}/orders/9"
    refused = requests.get(url)
    assert refused.status_code == 500 and refused.json() == {"message": "Internal server error"}
    assert refused.headers["x-sandbox-reason"].startswith(PERMISSION_MARK)
    execution = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}"
    lam = boto3.client("lambda")
    lam.add_permission(FunctionName=scripted, StatementId=f"prod-{api}", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"{execution}/prod/GET/orders/*")
    assert requests.get(url).status_code == 500  # granted for the prod stage only; this is dev
    lam.add_permission(FunctionName=scripted, StatementId=f"dev-{api}", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"{execution}/dev/GET/orders/{{id}}")
    assert requests.get(url).status_code == 200
