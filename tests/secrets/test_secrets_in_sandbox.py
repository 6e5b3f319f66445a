"""Secrets the way Lambda handles them, against the sandbox: KMS-encrypted variables, cached Secrets Manager
reads, rotation through a function, and the scan for plain-text secrets."""

from __future__ import annotations

import json

import boto3
import pytest

from lambda_course.deploy import deploy_function, ensure_role, invoke, zip_source
from localaws import secrets

DECRYPT_AT_INIT = """
import base64, hashlib, os
import boto3

# Decrypted once per execution environment, outside the handler.
API_KEY = boto3.client("kms").decrypt(
    CiphertextBlob=base64.b64decode(os.environ["API_KEY"]),
    EncryptionContext={"LambdaFunctionName": os.environ["AWS_LAMBDA_FUNCTION_NAME"]},
)["Plaintext"].decode()

def handler(event, context):
    return {"sha256": hashlib.sha256(API_KEY.encode()).hexdigest()}
"""

CACHED_READER = """
import os, time
import boto3

client = boto3.client("secretsmanager")
_cache = {"value": None, "at": 0.0}

def secret():
    if _cache["value"] is None or time.monotonic() - _cache["at"] > float(os.environ["TTL"]):
        _cache["value"] = client.get_secret_value(SecretId=os.environ["SECRET"])["SecretString"]
        _cache["at"] = time.monotonic()
    return _cache["value"]

def handler(event, context):
    return {"length": len(secret())}
"""

ROTATOR = """
import boto3
sm = boto3.client("secretsmanager")

def handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    print("STEP", step)
    if step == "createSecret":
        sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString="pw-" + token[:8],
                            VersionStages=["AWSPENDING"])
    elif step == "testSecret":
        pending = sm.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")["SecretString"]
        if pending.startswith("pw-") is False or FAIL_TEST:
            raise RuntimeError("the new password does not work")
    elif step == "finishSecret":
        stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
        current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
        sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                       RemoveFromVersionId=current)
"""


pytestmark = pytest.mark.usefixtures("settle_after_module")


def _policy(*statements: tuple[str | list[str], str]) -> dict:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in statements]}


def test_the_patch_replaces_motos_own_rotation_through_the_registry(sb):
    from localaws import seams
    from localaws.secrets import moto_patch

    target = "moto.secretsmanager.models:SecretsManagerBackend.rotate_secret"
    assert seams.is_patched(target)
    assert seams.original(target).__module__ == "moto.secretsmanager.models"
    assert seams.problem(seams.declared(target)) is None
    assert moto_patch._rotate_secret.__module__ == "localaws.secrets.moto_patch"


def test_an_encrypted_variable_is_decrypted_at_init_only_with_the_key_and_its_function_name(sb, unique):
    kms = boto3.client("kms")
    key = kms.create_key(Description="function settings")["KeyMetadata"]
    name = f"kms-env-{unique}"
    value = f"key-{unique}-value"
    role = ensure_role(f"kms-env-{unique}", _policy(("kms:Decrypt", key["Arn"])))
    deploy_function(name, DECRYPT_AT_INIT, role=role, timeout=10,
                    environment={"API_KEY": secrets.encrypt_for_function(key["Arn"], name, value)})
    boto3.client("lambda").update_function_configuration(FunctionName=name, KMSKeyArn=key["Arn"])
    config = boto3.client("lambda").get_function_configuration(FunctionName=name)
    assert config["KMSKeyArn"] == key["Arn"]
    import hashlib

    first = invoke(name)
    assert first.payload == {"sha256": hashlib.sha256(value.encode()).hexdigest()}, first.log
    assert secrets.exposures(name, [value], sb.function_code(name)) == []

    other = f"kms-other-{unique}"  # the same ciphertext, copied to another function, does not decrypt
    deploy_function(other, DECRYPT_AT_INIT, role=role, timeout=10,
                    environment={"API_KEY": config["Environment"]["Variables"]["API_KEY"]})
    assert invoke(other).function_error is not None


def test_without_kms_decrypt_the_function_fails_at_init(unique):
    key = boto3.client("kms").create_key()["KeyMetadata"]
    name = f"kms-denied-{unique}"
    role = ensure_role(f"kms-denied-{unique}", _policy(("kms:Encrypt", key["Arn"])))
    deploy_function(name, DECRYPT_AT_INIT, role=role, timeout=10,
                    environment={"API_KEY": secrets.encrypt_for_function(key["Arn"], name, "x")})
    result = invoke(name)
    assert result.function_error == "Unhandled"
    session = f"arn:aws:sts::123456789012:assumed-role/kms-denied-{unique}/{name}"
    assert result.payload["errorType"] == "ClientError"
    assert result.payload["errorMessage"] == (
        f"An error occurred (AccessDeniedException) when calling the Decrypt operation: User: {session} is not "
        f"authorized to perform: kms:Decrypt on resource: {key['Arn']} because no identity-based policy allows the "
        "kms:Decrypt action")


def test_a_plain_text_secret_is_found_in_the_configuration_and_in_the_code(sb, unique):
    name = f"leaky-{unique}"
    password = f"hunter-{unique}"
    code = zip_source({"app.py": f"PASSWORD = {password!r}\ndef handler(e, c):\n    return {{}}\n"})
    deploy_function(name, code, environment={"DB_PASSWORD": password, "STAGE": "prod"})
    package = sb.function_code(name)
    assert secrets.exposures(name, [password], package) == ["environment variable DB_PASSWORD",
                                                            "file app.py in the code package"]
    assert secrets.exposures(name, ["not-there"], package) == []


def test_a_cached_secret_is_read_once_per_environment_until_its_ttl_expires(unique):
    import time

    sm = boto3.client("secretsmanager")
    secret_name = f"db-{unique}"
    arn = sm.create_secret(Name=secret_name, SecretString="correct horse")["ARN"]
    name = f"cached-{unique}"
    role = ensure_role(f"cached-{unique}", _policy(("secretsmanager:GetSecretValue", arn)))
    deploy_function(name, CACHED_READER, role=role, timeout=10, environment={"SECRET": secret_name, "TTL": "1"})
    with secrets.counting_secret_reads() as reads:
        results = [invoke(name) for _ in range(4)]
        assert [r.payload for r in results] == [{"length": 13}] * 4
        assert reads[secret_name] == 1 and reads[secrets.DECRYPT] == 0
        time.sleep(1.1)
        invoke(name)
        assert reads[secret_name] == 2
    assert results[0].cold and not any(r.cold for r in results[1:])


@pytest.fixture
def rotation(unique):
    """A secret and a rotation function allowed to manage it; the function policy lets Secrets Manager invoke."""
    sm, lam = boto3.client("secretsmanager"), boto3.client("lambda")
    arn = sm.create_secret(Name=f"rotated-{unique}", SecretString="pw-original")["ARN"]
    role = ensure_role(f"rotator-{unique}", _policy(
        (["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret",
          "secretsmanager:UpdateSecretVersionStage"], arn)))

    def deploy(fail_test: bool = False) -> str:
        source = f"FAIL_TEST = {fail_test}\n" + ROTATOR
        return deploy_function(f"rotator-{unique}", source, role=role, timeout=10)["FunctionArn"]

    function_arn = deploy()
    lam.add_permission(FunctionName=f"rotator-{unique}", StatementId="secrets-manager",
                       Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
    return {"arn": arn, "function_arn": function_arn, "deploy": deploy, "function": f"rotator-{unique}"}


def _stages(arn: str) -> dict[str, list[str]]:
    return boto3.client("secretsmanager").describe_secret(SecretId=arn)["VersionIdsToStages"]


def test_rotation_runs_the_four_steps_in_the_function_and_can_run_again(sb, rotation):
    sm = boto3.client("secretsmanager")
    assert sb.enforce_resource_policies  # function-policy checks are on, as on AWS (the default)
    sm.rotate_secret(SecretId=rotation["arn"], RotationLambdaARN=rotation["function_arn"])
    first = sm.get_secret_value(SecretId=rotation["arn"])["SecretString"]
    sm.rotate_secret(SecretId=rotation["arn"])  # the configured function is used again
    second = sm.get_secret_value(SecretId=rotation["arn"])
    assert first.startswith("pw-") and first != "pw-original"
    assert second["SecretString"] not in (first, "pw-original")
    previous = sm.get_secret_value(SecretId=rotation["arn"], VersionStage="AWSPREVIOUS")["SecretString"]
    assert previous == first
    assert not any("AWSPENDING" in stages for stages in _stages(rotation["arn"]).values())
    logs = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{rotation['function']}")["events"]
    steps = [e["message"].split()[1] for e in logs if e["message"].startswith("STEP")]
    assert steps == ["createSecret", "setSecret", "testSecret", "finishSecret"] * 2


def test_a_failing_step_stops_the_rotation_and_keeps_the_current_value(rotation):
    sm = boto3.client("secretsmanager")
    rotation["deploy"](fail_test=True)
    sm.rotate_secret(SecretId=rotation["arn"], RotationLambdaARN=rotation["function_arn"])
    assert sm.get_secret_value(SecretId=rotation["arn"])["SecretString"] == "pw-original"
    pending = [v for v, s in _stages(rotation["arn"]).items() if s == ["AWSPENDING"]]
    assert len(pending) == 1


def test_rotation_needs_a_function_policy_for_secrets_manager(sb, unique):
    sm = boto3.client("secretsmanager")
    arn = sm.create_secret(Name=f"guarded-{unique}", SecretString="pw-original")["ARN"]
    function_arn = deploy_function(f"no-grant-{unique}", ROTATOR.replace("FAIL_TEST", "False"))["FunctionArn"]
    with pytest.raises(sm.exceptions.ClientError) as raised:
        sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn)
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "secretsmanager.amazonaws.com" in raised.value.response["Error"]["Message"]
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "pw-original"


PLAIN = "def handler(event, context):\n    return {'ok': True}\n"
UNABLE = "Lambda was unable to decrypt the environment variables because"
CHECK = "Please check the function's KMS key settings."


def _lambda_once():
    """A Lambda client that does not retry: AWS's 502 answers would otherwise be retried by botocore."""
    from botocore.config import Config

    return boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))


def _keyed_function(name: str, key_arn: str, role: str | None = None) -> None:
    deploy_function(name, PLAIN, role=role, environment={"STAGE": "prod"})
    boto3.client("lambda").update_function_configuration(FunctionName=name, KMSKeyArn=key_arn)


def _invoke_error(name: str) -> tuple[int, str, str]:
    lam = _lambda_once()
    with pytest.raises(lam.exceptions.ClientError) as raised:
        lam.invoke(FunctionName=name, Payload=b"{}")
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_lambda_uses_the_function_key_through_its_grant_and_fails_when_the_key_is_disabled(unique):
    kms = boto3.client("kms")
    key = kms.create_key(Description="function environment")["KeyMetadata"]
    name = f"keyed-{unique}"
    _keyed_function(name, key["Arn"])  # the default role has no kms:Decrypt: Lambda's grant is enough
    assert invoke(name).payload == {"ok": True}
    kms.disable_key(KeyId=key["KeyId"])
    assert _invoke_error(name) == (502, "KMSDisabledException",
                                   f"{UNABLE} the KMS key used is disabled. {CHECK}")
    kms.enable_key(KeyId=key["KeyId"])
    assert invoke(name).payload == {"ok": True}
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert _invoke_error(name) == (502, "KMSInvalidStateException",
                                   f"{UNABLE} the KMS key used is in an invalid state for Decrypt. {CHECK}")


def test_a_function_key_that_does_not_exist_fails_the_invoke(unique):
    name = f"lost-key-{unique}"
    _keyed_function(name, f"arn:aws:kms:us-east-1:123456789012:key/{'0' * 8}-0000-4000-8000-{unique:0>12}")
    assert _invoke_error(name) == (502, "KMSNotFoundException", f"{UNABLE} the KMS key was not found. {CHECK}")


def test_a_key_policy_that_denies_the_execution_role_fails_the_invoke(unique):
    name = f"key-denied-{unique}"
    role = ensure_role(f"key-denied-{unique}", _policy(("logs:PutLogEvents", "*")))
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "NotThisRole", "Effect": "Deny", "Principal": {"AWS": role}, "Action": "kms:Decrypt",
         "Resource": "*"}]}
    key = boto3.client("kms").create_key(Policy=json.dumps(policy))["KeyMetadata"]
    _keyed_function(name, key["Arn"], role=role)
    session = f"arn:aws:sts::123456789012:assumed-role/key-denied-{unique}/{name}"
    assert _invoke_error(name) == (
        502, "KMSAccessDeniedException",
        f"{UNABLE} KMS access was denied. {CHECK} KMS Exception: AccessDeniedExceptionKMS Message: User: {session} "
        f"is not authorized to perform: kms:Decrypt on resource: {key['Arn']} with an explicit deny in a "
        "resource-based policy")


def test_an_execution_role_deleted_after_the_grant_fails_the_invoke(unique):
    iam = boto3.client("iam")
    name = f"orphan-{unique}"
    role = ensure_role(f"orphan-{unique}", _policy(("logs:PutLogEvents", "*")))
    key = boto3.client("kms").create_key()["KeyMetadata"]
    _keyed_function(name, key["Arn"], role=role)
    for policy in iam.list_role_policies(RoleName=f"orphan-{unique}")["PolicyNames"]:
        iam.delete_role_policy(RoleName=f"orphan-{unique}", PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=f"orphan-{unique}")["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=f"orphan-{unique}", PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=f"orphan-{unique}")
    assert _invoke_error(name) == (
        502, "KMSAccessDeniedException",
        f"{UNABLE} KMS access was denied. {CHECK} KMS Exception: UnrecognizedClientExceptionKMS Message: The "
        "security token included in the request is invalid.")
