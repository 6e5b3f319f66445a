"""GetFunction's download link, and new execution environments after a change of role or KMS key.

Each test names the AWS page it follows.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from urllib.parse import parse_qs, urlsplit

import boto3
import requests

from lambda_course.deploy import deploy_function, ensure_role, invoke, zip_source
from localaws.facts import value

FIRST = "def handler(event, context):\n    return 'first'\n"
SECOND = "def handler(event, context):\n    return 'second'\n"

WHO_AM_I = """
import os
import boto3

def handler(event, context):
    return {"key": os.environ["AWS_ACCESS_KEY_ID"], "arn": boto3.client("sts").get_caller_identity()["Arn"]}
"""


def _location(name: str, qualifier: str | None = None) -> str:
    """Code.Location of GetFunction for a function (and version)."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    return boto3.client("lambda").get_function(FunctionName=name, **extra)["Code"]["Location"]


def _module(package: bytes) -> str:
    """The handler's source inside a deployment package."""
    return zipfile.ZipFile(io.BytesIO(package)).read("app.py").decode()


def test_get_function_location_serves_the_deployed_package_without_credentials(sb, unique):
    """Code.Location is a presigned URL from which the deployment package can be downloaded.

    https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html and
    https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocation.html
    """
    name = f"code-{unique}"
    package = zip_source(FIRST)
    deploy_function(name, package)
    location = _location(name)
    assert location.startswith(f"{sb.endpoint_url}/")
    answer = requests.get(location, timeout=10)  # a plain GET: no signature, no AWS credentials
    assert answer.status_code == 200 and answer.content == package
    sha = boto3.client("lambda").get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    assert hashlib.sha256(answer.content).digest() == base64.b64decode(sha)


def test_a_link_serves_its_own_version_and_an_old_latest_link_is_refused(sb, unique):
    """Each version's Location serves that version's package; an old link never serves the new code.

    After UpdateFunctionCode the link made earlier for $LATEST answers 403: it is bound to the package it was
    made for, which $LATEST no longer has, so it can neither serve the new code nor the replaced one. The link
    of published version 1 keeps serving version 1's package, which does not change.
    https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html (Qualifier) and
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html
    """
    name = f"code-ver-{unique}"
    first, second = zip_source(FIRST), zip_source(SECOND)
    client = boto3.client("lambda")
    deploy_function(name, first)
    version = client.publish_version(FunctionName=name)["Version"]
    old_latest, old_version = _location(name), _location(name, version)
    client.update_function_code(FunctionName=name, ZipFile=second)
    assert requests.get(old_latest, timeout=10).status_code == 403
    assert requests.get(old_version, timeout=10).content == first
    assert requests.get(_location(name, version), timeout=10).content == first
    assert _module(requests.get(_location(name), timeout=10).content) == SECOND
    assert _module(requests.get(_location(name, "$LATEST"), timeout=10).content) == SECOND


def test_a_tampered_or_expired_link_is_refused(sb, unique):
    """A presigned URL works only as issued and only until it expires (10 minutes for Code.Location).

    https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocation.html and
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
    """
    name, other = f"code-sig-{unique}", f"code-other-{unique}"
    deploy_function(name, FIRST)
    deploy_function(other, SECOND)
    location = _location(name)
    parts = urlsplit(location)
    signature = parse_qs(parts.query)["Signature"][0]
    forged = location.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    another_function = location.replace(f"/{name}/", f"/{other}/")
    unknown = location.replace(f"/{name}/", f"/missing-{unique}/")
    later = location.replace("Expires=", "Expires=9")
    unsigned = f"{parts.scheme}://{parts.netloc}{parts.path}"
    for refused in (forged, another_function, unknown, later, unsigned):
        assert requests.get(refused, timeout=10).status_code == 403, refused
    assert requests.get(location, timeout=10).status_code == 200
    sb.clock.advance(value("code_location_expiry_min") * 60 + 1)
    expired = requests.get(location, timeout=10)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_a_new_role_means_a_cold_start_with_its_credentials(sb, unique):
    """After UpdateFunctionConfiguration changes the role, the next invocation runs in a new environment as it.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html and
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-function-common.html
    """
    name = f"role-{unique}"
    first_role, second_role = ensure_role(f"first-{unique}"), ensure_role(f"second-{unique}")
    deploy_function(name, WHO_AM_I, role=first_role, timeout=10)
    before, warm = invoke(name), invoke(name)
    assert before.cold and not warm.cold
    assert f":assumed-role/first-{unique}/" in before.payload["arn"]
    boto3.client("lambda").update_function_configuration(FunctionName=name, Role=second_role)
    after = invoke(name)
    assert after.cold and "Init Duration" in after.log
    assert f":assumed-role/second-{unique}/" in after.payload["arn"]
    assert after.payload["key"] != before.payload["key"]


def test_a_new_kms_key_means_a_cold_start(sb, unique):
    """A change of the KMS key that encrypts the environment is a configuration update: new environments serve.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html and
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
    """
    name = f"kms-{unique}"
    deploy_function(name, WHO_AM_I, timeout=10, environment={"GREETING": "hi"})
    assert invoke(name).cold and not invoke(name).cold
    key = boto3.client("kms").create_key(Description=json.dumps({"test": unique}))["KeyMetadata"]["Arn"]
    boto3.client("lambda").update_function_configuration(FunctionName=name, KMSKeyArn=key)
    assert invoke(name).cold
