"""The data plane's pure parts: path matching, response mapping, events, timeouts and the loopback rule."""

from __future__ import annotations

import base64
import json

import pytest

from localaws.apigateway import events, integrations, proxy, responses, routing
from localaws.apigateway.messages import HTTP_API_FAILURES, REST_FAILURES, HttpRequest
from localaws.facts import value


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/items/{id}", "/items/9", {"id": "9"}),
        ("/items/{id}", "/items/9/x", None),
        ("/items", "/items/", {}),
        ("/{proxy+}", "/a/b", {"proxy": "a/b"}),
        ("/{proxy+}", "/", None),
        ("/files/{key+}", "/files/x/y.txt", {"key": "x/y.txt"}),
        ("/", "/", {}),
    ],
)
def test_match(template, path, expected):
    assert routing.match(template, path) == expected


def test_most_specific_template_wins():
    candidates = [("/{proxy+}", 0, "greedy"), ("/items/{id}", 0, "variable"), ("/items/new", 0, "literal")]
    assert routing.best_match(candidates, "/items/new") == ("literal", {})
    assert routing.best_match(candidates, "/items/3") == ("variable", {"id": "3"})
    assert routing.best_match(candidates, "/other/3") == ("greedy", {"proxy": "other/3"})
    assert routing.best_match([("/x", 1, "any"), ("/x", 0, "get")], "/x") == ("get", {})


def test_v1_requires_status_and_known_keys():
    ok = responses.from_v1(json.dumps({"statusCode": "201", "body": "hi", "headers": {"N": 3}}).encode())
    assert (ok.status, ok.body, ok.header("n")) == (201, b"hi", "3")
    for bad in (
        [1],
        {"body": "x"},
        {"statusCode": 200, "body": {}},
        {"statusCode": 200, "x": 1},
        {"statusCode": True},
        {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
    ):
        with pytest.raises(responses.MalformedResponse):
            responses.from_v1(json.dumps(bad).encode())


def test_v2_infers_json_answers():
    inferred = responses.from_v2(b'"just a string"')
    assert (inferred.status, inferred.body, inferred.header("content-type")) == (
        200,
        b'"just a string"',
        "application/json",
    )
    structured = responses.from_v2(json.dumps({"statusCode": 204, "cookies": ["s=1"]}).encode())
    assert structured.status == 204 and ("Set-Cookie", "s=1") in structured.headers


def test_failed_function_answer_depends_on_the_endpoint_not_the_payload():
    """REST APIs answer a failed function with 502, HTTP APIs with 500, each in its own words.

    https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html and
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
    """
    rest = responses.lambda_answer(b'{"statusCode": 200}', "Unhandled", "1.0", REST_FAILURES)
    assert rest.status == 502 and json.loads(rest.body) == {"message": "Internal server error"}
    for version in ("1.0", "2.0"):
        http = responses.lambda_answer(b'{"statusCode": 200}', "Unhandled", version, HTTP_API_FAILURES)
        assert http.status == 500 and json.loads(http.body) == {"message": "Internal Server Error"}
    malformed = responses.lambda_answer(b'{"statusCode": "soon"}', None, "2.0", HTTP_API_FAILURES)
    assert malformed.status == 500 and json.loads(malformed.body) == {"message": "Internal Server Error"}


def test_event_bodies():
    text = HttpRequest("POST", "/", headers=[("Content-Type", "application/json")], body=b'{"a": 1}')
    assert events.encode_body(text) == ('{"a": 1}', False)
    image = HttpRequest("POST", "/", headers=[("Content-Type", "image/png")], body=b"\x89PNG")
    assert events.encode_body(image) == (base64.b64encode(b"\x89PNG").decode(), True)
    listed = HttpRequest("POST", "/", headers=[("Content-Type", "application/json")], body=b"{}")
    assert events.encode_body(listed, ["application/*"])[1] is True  # a REST API's binaryMediaTypes
    assert events.encode_body(HttpRequest("GET", "/")) == (None, False)


def test_v1_event_nulls_absent_parts():
    event = events.rest_event(HttpRequest("GET", "/x"), events.Target("api", "dev", "/x"))
    assert event["queryStringParameters"] is None and event["pathParameters"] is None
    assert event["stageVariables"] is None and event["body"] is None


def test_timeout_is_lowered_never_raised():
    default = value("apigw_integration_timeout_s")
    assert integrations.timeout_s(None) == default
    assert integrations.timeout_s("500") == 0.5
    assert integrations.timeout_s(default * 1000 + 30_000) == default


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8080/x", True),
        ("http://localhost/x", True),
        ("http://[::1]:9000/", True),
        ("http://127.8.0.1/", True),
        ("http://10.0.0.1/", False),
        ("https://example.com/", False),
        ("ftp://127.0.0.1/", False),
        ("arn:aws:elasticloadbalancing:us-east-1:1:listener/x", False),
    ],
)
def test_loopback_rule(url, allowed):
    assert proxy.is_loopback(url) is allowed


def test_uri_placeholders():
    assert (
        proxy.expand("http://127.0.0.1/a/{proxy}/{id}", {"proxy": "x/y", "id": "3"})
        == "http://127.0.0.1/a/x/y/3"
    )
