"""The security labs' checks on their own: a right answer passes, each typical mistake fails with a message
that names what is wrong."""

from __future__ import annotations

import base64

import boto3
import pytest
from lab5_policies import LEAST, STAR

from lambda_course.deploy import deploy_function
from lambda_course.labchecks import security
from localaws import secrets

PERMISSION = {"StatementId": "uploads", "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
              "SourceArn": f"arn:aws:s3:::{security.UPLOADS}", "SourceAccount": security.ACCOUNT}

SIGNER = """
import base64, hashlib, hmac, os, time
import boto3

TTL = float(os.environ.get("CACHE_TTL_SECONDS", "300"))
_cache = {"value": None, "at": 0.0}

def token():
    if CACHED and _cache["value"] is not None and time.monotonic() - _cache["at"] <= TTL:
        return _cache["value"]
    _cache.update(value=boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET_NAME"])
                  ["SecretString"], at=time.monotonic())
    return _cache["value"]

def url():
    return boto3.client("kms").decrypt(CiphertextBlob=base64.b64decode(os.environ["PARTNER_URL"]),
        EncryptionContext={"LambdaFunctionName": os.environ["AWS_LAMBDA_FUNCTION_NAME"]})["Plaintext"].decode()

URL = url()

def handler(event, context):
    signature = hmac.new(token().encode(), event["order_id"].encode(), hashlib.sha256).hexdigest()
    return {"endpoint": URL, "signature": signature}
"""


pytestmark = pytest.mark.usefixtures("settle_after_module")


def test_a_least_privilege_role_passes_both_role_checks():
    security.check_thumbnailer_works(LEAST)
    security.check_least_privilege(LEAST, list(security.OVERREACH))


def test_a_role_that_allows_everything_works_but_is_told_which_calls_to_drop():
    security.check_thumbnailer_works(STAR)
    with pytest.raises(AssertionError) as failed:
        security.check_least_privilege(STAR, ["read-other-bucket", "drop-table"])
    message = str(failed.value)
    assert f"s3:GetObject on arn:aws:s3:::{security.PAYROLL}/salaries.csv" in message
    assert "dynamodb:DeleteTable" in message
    assert security.overreaching_allowed(STAR, ["scan-table", "pass-role"]) == [
        f"dynamodb:Scan on arn:aws:dynamodb:{security.REGION}:{security.ACCOUNT}:table/{security.TABLE}",
        f"iam:PassRole on arn:aws:iam::{security.ACCOUNT}:role/admin"]


def test_a_role_missing_a_call_fails_with_the_denied_action():
    without_table = {**LEAST, "Statement": LEAST["Statement"][:2]}
    with pytest.raises(AssertionError, match="dynamodb:PutItem"):
        security.check_thumbnailer_works(without_table)


def test_a_policy_iam_would_refuse_is_reported_before_anything_runs():
    broken = {"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:GetObject",
                                                      "Resource": "*"}]}
    with pytest.raises(AssertionError, match="IAM would refuse"):
        security.check_thumbnailer_works(broken)
    with pytest.raises(AssertionError, match="policy document"):
        security.check_least_privilege("s3:GetObject", ["read-other-bucket"])


def test_the_bucket_permission_admits_only_the_uploads_bucket_and_restores_the_sandbox_switch(sb):
    before = sb.enforced_resource_policies()
    security.check_bucket_permission(PERMISSION, LEAST)
    assert sb.enforced_resource_policies() == before
    any_bucket = {k: v for k, v in PERMISSION.items() if k != "SourceArn"}
    with pytest.raises(AssertionError, match="another bucket of your account"):
        security.check_bucket_permission(any_bucket, LEAST)
    any_account = {k: v for k, v in PERMISSION.items() if k != "SourceAccount"}
    with pytest.raises(AssertionError) as failed:
        security.check_bucket_permission(any_account, LEAST)
    assert "Your function policy also lets a bucket of another account with the same name invoke" in str(failed.value)
    assert "another bucket of your account" not in str(failed.value)
    with pytest.raises(AssertionError, match="S3 could not invoke"):
        security.check_bucket_permission({**PERMISSION, "Principal": "sns.amazonaws.com"}, LEAST)
    assert sb.enforced_resource_policies() == before


@pytest.fixture(scope="module")
def lab7():
    setup = security.lab7_setup()
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name=security.LAB7_SECRET, SecretString=security.LAB7_TOKEN)
    encrypted = secrets.encrypt_for_function(setup["key_arn"], security.LAB7_FUNCTION, security.LAB7_URL)
    return {**setup, "encrypted": encrypted}


def test_a_cached_signer_passes_every_lab7_check(lab7):
    security.check_secret_stored()
    security.check_encrypted_for_function(lab7["encrypted"])
    source = "CACHED = True\n" + SIGNER
    security.check_signer_works(source, lab7["encrypted"])
    security.check_signer_caches(source, lab7["encrypted"], ttl_seconds=1)
    security.check_kms_key_set(key_arn=lab7["key_arn"])
    security.check_no_plaintext()


def test_a_cache_that_never_expires_is_caught(lab7):
    forever = "CACHED = True\n" + SIGNER.replace('time.monotonic() - _cache["at"] <= TTL', "True")
    assert forever != "CACHED = True\n" + SIGNER
    with pytest.raises(AssertionError, match="still signed with the old token"):
        security.check_signer_caches(forever, lab7["encrypted"], ttl_seconds=1)


def test_reading_the_secret_every_time_is_caught(lab7):
    with pytest.raises(AssertionError, match="read the secret 3 times"):
        security.check_signer_caches("CACHED = False\n" + SIGNER, lab7["encrypted"])


def test_a_ciphertext_without_the_function_context_is_caught(lab7):
    blob = boto3.client("kms").encrypt(KeyId=lab7["key_arn"], Plaintext=security.LAB7_URL.encode())
    with pytest.raises(AssertionError, match="encryption context"):
        security.check_encrypted_for_function(base64.b64encode(blob["CiphertextBlob"]).decode())
    with pytest.raises(AssertionError, match="not the URL itself"):
        security.check_encrypted_for_function(security.LAB7_URL)


def test_a_token_left_in_the_code_or_a_missing_key_is_caught(lab7):
    leaky = "CACHED = True\n" + SIGNER.replace('os.environ["SECRET_NAME"]', repr(security.LAB7_TOKEN))
    deploy_function(security.LAB7_FUNCTION, leaky, role=lab7["role_arn"],
                    environment={"PARTNER_URL": security.LAB7_URL})
    with pytest.raises(AssertionError) as failed:
        security.check_no_plaintext()
    assert "environment variable PARTNER_URL" in str(failed.value) and "file app.py" in str(failed.value)
    boto3.client("lambda").update_function_configuration(FunctionName=security.LAB7_FUNCTION, KMSKeyArn="")
    with pytest.raises(AssertionError, match="KMSKeyArn"):
        security.check_kms_key_set(key_arn=lab7["key_arn"])
