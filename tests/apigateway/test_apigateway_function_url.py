"""Lambda function URLs through the data plane."""

from __future__ import annotations

import boto3
import requests

from grader.deploy import deploy_function


def test_function_url_sends_format_2(sb, scripted):
    name = scripted.rsplit(":", 1)[-1]
    boto3.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE")
    event = requests.get(f"{sb.function_url(name)}/any/path?k=v").json()
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/any/path")
    assert event["queryStringParameters"] == {"k": "v"}
    listed = requests.get(sb.function_url(name), params={"mode": "list"})
    assert listed.status_code == 200 and listed.json() == [1, 2, 3]
    assert requests.get(sb.function_url(name), params={"mode": "fail"}).status_code == 502


def test_function_url_with_iam_auth_needs_a_signature(sb, unique):
    name = f"private-{unique}"
    deploy_function(name, "def handler(event, context):\n    return 'ok'\n")
    boto3.client("lambda").create_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    answer = requests.get(sb.function_url(name))
    assert answer.status_code == 403 and answer.json() == {"Message": "Forbidden"}


def test_function_without_url_is_not_served(sb, unique):
    name = f"nourl-{unique}"
    deploy_function(name, "def handler(event, context):\n    return 'ok'\n")
    assert requests.get(sb.function_url(name)).status_code == 404
