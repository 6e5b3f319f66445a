"""Lambda function URLs through the data plane: events, who may call (policy grants, SigV4), timeouts, bodies."""

from __future__ import annotations

import json
import time

import boto3
import pytest
import requests
from apigw_support import public_url
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lambda_course.deploy import deploy_function

OK = "def handler(event, context):\n    return 'ok'\n"


@pytest.fixture(scope="module")
def scripted_url(sb, scripted) -> str:
    """The scripted function's name, with a public function URL."""
    name = scripted.rsplit(":", 1)[-1]
    public_url(name)
    return name


def signed_get(url: str, credentials: Credentials, service: str = "lambda", body: bytes = b"") -> requests.Response:
    """Send `url` signed with SigV4 as boto3 would sign it; a tampered body can replace the signed one."""
    request = AWSRequest(method="POST" if body else "GET", url=url, data=body)
    SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.request(prepared.method, prepared.url, headers=dict(prepared.headers), data=body)


def test_function_url_sends_format_2(sb, scripted_url):
    event = requests.get(f"{sb.function_url(scripted_url)}/any/path?k=v").json()
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/any/path")
    assert event["queryStringParameters"] == {"k": "v"}
    listed = requests.get(sb.function_url(scripted_url), params={"mode": "list"})
    assert listed.status_code == 200 and listed.json() == [1, 2, 3]
    assert requests.get(sb.function_url(scripted_url), params={"mode": "fail"}).status_code == 502


def test_binary_post_body_arrives_base64(sb, scripted_url):
    event = requests.post(
        sb.function_url(scripted_url), data=bytes([0, 159, 255]), headers={"Content-Type": "application/octet-stream"}
    ).json()
    assert (event["requestContext"]["http"]["method"], event["isBase64Encoded"], event["body"]) == (
        "POST",
        True,
        "AJ//",
    )


def test_public_url_needs_both_grants(sb, unique):
    name = f"public-{unique}"
    deploy_function(name, OK)
    lam = boto3.client("lambda")
    lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    refused = requests.get(sb.function_url(name))
    assert refused.status_code == 403 and refused.json() == {"Message": "Forbidden"}
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    half = requests.get(sb.function_url(name))
    assert half.status_code == 403 and "does not allow lambda:InvokeFunction " in half.headers["x-sandbox-reason"]
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True)
    assert requests.get(sb.function_url(name)).json() == "ok"


def test_a_grant_for_iam_urls_does_not_open_a_public_one(sb, unique):
    name = f"wrongtype-{unique}"
    deploy_function(name, OK)
    lam = boto3.client("lambda")
    lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="AWS_IAM")
    lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction", Principal="*",
                       InvokedViaFunctionUrl=True)
    assert requests.get(sb.function_url(name)).status_code == 403


@pytest.fixture
def private_url(sb, unique) -> str:
    name = f"private-{unique}"
    deploy_function(name, OK)
    boto3.client("lambda").create_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    return name


def test_iam_url_refuses_unsigned_and_forged_requests(sb, private_url):
    url = sb.function_url(private_url)
    unsigned = requests.get(url)
    assert unsigned.status_code == 403 and unsigned.json() == {"Message": "Forbidden"}
    forged = requests.get(url, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20240101/us-east-1/"
                                        "lambda/aws4_request, SignedHeaders=host, Signature=00"})
    assert forged.status_code == 403 and "no identity the sandbox knows" in forged.headers["x-sandbox-reason"]
    learner = Credentials("testing", "testing", "testing")
    wrong_service = signed_get(url, learner, service="execute-api")
    assert wrong_service.status_code == 403 and "'execute-api'" in wrong_service.headers["x-sandbox-reason"]
    wrong_secret = signed_get(url, Credentials("testing", "not-the-secret", "testing"))
    assert wrong_secret.status_code == 403 and "does not match" in wrong_secret.headers["x-sandbox-reason"]


def test_iam_url_accepts_a_request_the_learner_signed(sb, private_url):
    answer = signed_get(f"{sb.function_url(private_url)}/path?x=1", Credentials("testing", "testing", "testing"))
    assert answer.status_code == 200 and answer.json() == "ok"


def test_iam_url_asks_a_role_session_for_the_invoke_permissions(sb, private_url, unique):
    iam, sts = boto3.client("iam"), boto3.client("sts")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    role = iam.create_role(RoleName=f"caller-{unique}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    keys = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="caller")["Credentials"]
    session = Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
    url = sb.function_url(private_url)
    refused = signed_get(url, session)
    assert refused.status_code == 403 and "lambda:InvokeFunctionUrl" in refused.headers["x-sandbox-reason"]
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                     "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]}]}
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="invoke-url", PolicyDocument=json.dumps(allow))
    assert signed_get(url, session).json() == "ok"


def test_function_url_ends_at_the_function_timeout(sb, unique):
    name = f"slow-{unique}"
    deploy_function(name, "import time\ndef handler(event, context):\n    time.sleep(5)\n", timeout=1)
    public_url(name)
    started = time.monotonic()
    answer = requests.get(sb.function_url(name), timeout=30)
    assert answer.status_code == 502 and answer.json() == {"Message": "Internal server error"}
    assert time.monotonic() - started < 4  # the 1 s function timeout ended it, not the 5 s sleep


def test_function_without_url_is_not_served(sb, unique):
    name = f"nourl-{unique}"
    deploy_function(name, OK)
    assert requests.get(sb.function_url(name)).status_code == 404
