"""Checks for the two security labs: lab5-least-privilege (roles and function policies) and lab7-secrets.

Both are graded on behaviour in the sandbox: an execution role is tried by running the handler and a probe
function under it; a function policy by letting S3 deliver a real notification; secrets by counting the reads
the services see and by looking for plain text in the function's configuration and code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from iampolicy import Request, Severity, evaluate, validate
from lambda_course.checks import CheckFailed
from lambda_course.deploy import deploy_function, ensure_role, invoke
from localaws import secrets

ACCOUNT = "123456789012"
REGION = "us-east-1"

# --- lab5-least-privilege ------------------------------------------------------------------------------------

UPLOADS, THUMBNAILS, TABLE = "lab5-uploads", "lab5-thumbnails", "lab5-images"
FUNCTION, ROLE = "lab5-thumbnailer", "lab5-thumbnailer-role"
PAYROLL, USERS, DB_SECRET = "lab5-payroll", "lab5-users", "lab5/db-password"

THUMBNAILER_SOURCE = '''
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    """Make a thumbnail of each uploaded image and record it in the table."""
    made = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        image = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        thumbnail = image[: max(1, len(image) // 4)]  # stands in for real resizing
        s3.put_object(Bucket=os.environ["THUMBNAIL_BUCKET"], Key=f"thumbs/{key}", Body=thumbnail)
        dynamodb.put_item(TableName=os.environ["TABLE"],
                          Item={"key": {"S": key}, "bytes": {"N": str(len(thumbnail))}})
        made.append(f"thumbs/{key}")
    return {"thumbnails": made}
'''

PROBE_SOURCE = '''
import boto3


def handler(event, context):
    """Try one call; answer with the error code AWS gave, or "allowed"."""
    service, method, kwargs = event["service"], event["method"], event["kwargs"]
    try:
        getattr(boto3.client(service), method)(**kwargs)
    except Exception as error:  # reported, not raised: only an AccessDenied code counts as refused
        return getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
    return "allowed"
'''

# Calls the thumbnailer never makes. Probed calls run in the sandbox under the learner's role; the rest (those
# that would destroy something) are asked of the policy evaluator.
OVERREACH: dict[str, dict[str, Any]] = {
    "read-other-bucket": {"action": "s3:GetObject", "resource": f"arn:aws:s3:::{PAYROLL}/salaries.csv",
                          "call": ("s3", "get_object", {"Bucket": PAYROLL, "Key": "salaries.csv"})},
    "delete-item": {"action": "dynamodb:DeleteItem", "resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}",
                    "call": ("dynamodb", "delete_item", {"TableName": TABLE, "Key": {"key": {"S": "none"}}})},
    "write-outside-thumbs": {"action": "s3:PutObject", "resource": f"arn:aws:s3:::{THUMBNAILS}/index.html",
                             "call": ("s3", "put_object", {"Bucket": THUMBNAILS, "Key": "index.html", "Body": "x"})},
    "write-uploads": {"action": "s3:PutObject", "resource": f"arn:aws:s3:::{UPLOADS}/loop.png",
                      "call": ("s3", "put_object", {"Bucket": UPLOADS, "Key": "loop.png", "Body": "x"})},
    "delete-upload": {"action": "s3:DeleteObject", "resource": f"arn:aws:s3:::{UPLOADS}/missing.png",
                      "call": ("s3", "delete_object", {"Bucket": UPLOADS, "Key": "missing.png"})},
    "list-uploads": {"action": "s3:ListBucket", "resource": f"arn:aws:s3:::{UPLOADS}",
                     "call": ("s3", "list_objects_v2", {"Bucket": UPLOADS})},
    "scan-table": {"action": "dynamodb:Scan", "resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}",
                   "call": ("dynamodb", "scan", {"TableName": TABLE})},
    "write-other-table": {"action": "dynamodb:PutItem",
                          "resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{USERS}",
                          "call": ("dynamodb", "put_item", {"TableName": USERS, "Item": {"key": {"S": "x"}}})},
    "read-secret": {"action": "secretsmanager:GetSecretValue",
                    "resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{DB_SECRET}-AbCdEf",
                    "call": ("secretsmanager", "get_secret_value", {"SecretId": DB_SECRET})},
    "drop-table": {"action": "dynamodb:DeleteTable",
                   "resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"},
    "delete-bucket": {"action": "s3:DeleteBucket", "resource": f"arn:aws:s3:::{THUMBNAILS}"},
    "pass-role": {"action": "iam:PassRole", "resource": f"arn:aws:iam::{ACCOUNT}:role/admin"},
}


def lab5_setup() -> None:
    """Create the lab's buckets, tables and secret (again after a sandbox reset; existing ones are kept)."""
    s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in (UPLOADS, THUMBNAILS, PAYROLL):
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=PAYROLL, Key="salaries.csv", Body=b"name,salary\n")
    tables = dynamodb.list_tables()["TableNames"]
    for table in (TABLE, USERS):
        if table not in tables:
            dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
    sm = boto3.client("secretsmanager")
    if not sm.list_secrets(Filters=[{"Key": "name", "Values": [DB_SECRET]}])["SecretList"]:
        sm.create_secret(Name=DB_SECRET, SecretString="not for the thumbnailer")


def s3_event(bucket: str, key: str) -> dict[str, Any]:
    """The event S3 sends Lambda for one uploaded object (only the fields the thumbnailer reads)."""
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "awsRegion": REGION,
                         "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                "object": {"key": key}}}]}


def check_policy_document(policy: Any, policy_type: str = "IDENTITY") -> None:
    """The policy must be a dict that IAM accepts (no ERROR from the validator)."""
    if not isinstance(policy, dict) or not policy:
        raise CheckFailed(f"Expected a policy document (a dict with Version and Statement), got {policy!r:.80}.")
    errors = [f for f in validate(policy, policy_type) if f.severity is Severity.ERROR]
    if errors:
        raise CheckFailed("IAM would refuse this policy: " + "; ".join(str(f) for f in errors))


def _deploy_thumbnailer(policy: dict, *, again: bool = True) -> str:
    role = ensure_role(ROLE, policy)
    if not again:
        try:
            boto3.client("lambda").get_function(FunctionName=FUNCTION)
            return role  # already deployed: keep its warm environment
        except boto3.client("lambda").exceptions.ResourceNotFoundException:
            pass
    deploy_function(FUNCTION, THUMBNAILER_SOURCE, role=role, timeout=10,
                    environment={"THUMBNAIL_BUCKET": THUMBNAILS, "TABLE": TABLE})
    return role


def check_thumbnailer_works(policy: Any) -> None:
    """Under this execution role the thumbnailer handles an upload: reads it, writes the thumbnail, records it."""
    check_policy_document(policy)
    lab5_setup()
    _deploy_thumbnailer(policy)
    key = f"photos/cat-{uuid.uuid4().hex[:6]}.png"
    boto3.client("s3").put_object(Bucket=UPLOADS, Key=key, Body=b"\x89PNG" + b"0" * 400)
    result = invoke(FUNCTION, s3_event(UPLOADS, key))
    if result.function_error:
        detail = result.payload.get("errorMessage", "") if isinstance(result.payload, dict) else result.payload
        raise CheckFailed(f"The thumbnailer failed under your role: {detail}. The handler calls s3:GetObject on "
                          f"the uploads bucket, s3:PutObject on the thumbnails bucket and dynamodb:PutItem on the "
                          "table: allow each on its resource's ARN (objects are arn:aws:s3:::bucket/key).")
    item = boto3.client("dynamodb").get_item(TableName=TABLE, Key={"key": {"S": key}}).get("Item")
    if item is None:
        raise CheckFailed("The handler ran but no item was recorded in the table; run the setup cell again.")


DENIED = ("AccessDenied", "AccessDeniedException")


def _probe(call: tuple[str, str, dict]) -> str:
    """The probe's answer to one call under the learner's role: an error code, "allowed", or "error"."""
    service, method, kwargs = call
    result = invoke(f"{FUNCTION}-probe", {"service": service, "method": method, "kwargs": kwargs})
    return result.payload if isinstance(result.payload, str) else "error"


def overreaching_allowed(policy: dict, names: Iterable[str]) -> list[str]:
    """The named over-reaching calls this execution role would let the function make."""
    lab5_setup()
    role = ensure_role(ROLE, policy)
    deploy_function(f"{FUNCTION}-probe", PROBE_SOURCE, role=role, timeout=10)
    allowed = []
    role_session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{FUNCTION}"
    for name in names:
        case = OVERREACH[name]
        request = Request(principal=role_session, action=case["action"], resource=case["resource"])
        permitted = evaluate(request, identity_policies=[policy]).allowed
        if "call" in case:
            # Any answer but AccessDenied counts as allowed, a failed probe included. An AccessDenied counts
            # only if the policy itself denies the call: a sandbox that refuses everything earns no points.
            permitted = _probe(case["call"]) not in DENIED or permitted
        if permitted:
            allowed.append(f"{case['action']} on {case['resource']}")
    return allowed


def check_writes_stay_in_prefix(policy: Any) -> None:
    """The role may write thumbnails only under thumbs/: a write elsewhere in the bucket must be refused."""
    check_policy_document(policy)
    allowed = overreaching_allowed(policy, ["write-outside-thumbs"])
    if allowed:
        raise CheckFailed(f"Your role lets the function write anywhere in {THUMBNAILS}, not only under thumbs/: "
                          f"{allowed[0]} is allowed. Narrow the s3:PutObject resource to "
                          f"arn:aws:s3:::{THUMBNAILS}/thumbs/* so a compromised function cannot overwrite the "
                          "rest of the bucket.")


def check_least_privilege(policy: Any, names: Iterable[str]) -> None:
    """None of the named calls, which the thumbnailer never makes, may be allowed by its role."""
    check_policy_document(policy)
    allowed = overreaching_allowed(policy, names)
    if allowed:
        raise CheckFailed("Your role also allows calls the thumbnailer never makes: " + "; ".join(allowed) + ". "
                          "List only the actions the handler calls, each on the ARN of the resource it touches, "
                          "instead of wildcards such as \"*\" or \"s3:*\".")


def _notification_to(bucket: str, function_arn: str) -> None:
    boto3.client("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}]})


def _wait_for_thumbnail(key: str, seconds: float = 4.0) -> bool:
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    s3, deadline = boto3.client("s3"), time.monotonic() + seconds
    while time.monotonic() < deadline:
        running = sandbox.current()
        if running is not None:
            running.wait_idle(timeout=2)
        try:
            s3.head_object(Bucket=THUMBNAILS, Key=f"thumbs/{key}")
            return True
        except s3.exceptions.ClientError:
            time.sleep(0.2)
    return False


def _apply_permission(permission: dict) -> dict:
    lam = boto3.client("lambda")
    try:
        for statement in json.loads(lam.get_policy(FunctionName=FUNCTION)["Policy"])["Statement"]:
            lam.remove_permission(FunctionName=FUNCTION, StatementId=statement["Sid"])
    except lam.exceptions.ResourceNotFoundException:
        pass
    try:
        return lam.add_permission(FunctionName=FUNCTION, **permission)
    except (ClientError, ParamValidationError, TypeError) as error:  # AWS, boto3's validation, a bad keyword
        raise CheckFailed(f"add_permission(FunctionName={FUNCTION!r}, **permission) failed: {error}. Use the "
                          "parameter names of add_permission: StatementId, Action, Principal, SourceArn, "
                          "SourceAccount.") from None


def check_bucket_permission(permission: Any, policy: dict) -> None:
    """The function policy lets the uploads bucket, from its own account, invoke the thumbnailer, and no one else.

    Checked with the sandbox's function-policy checks on, as they are by default (a notebook that turned them
    off gets its setting back afterwards): a real S3 notification must arrive, while the same request from
    another bucket or another account must be refused.
    """
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    if not isinstance(permission, dict):
        raise CheckFailed(f"Expected a dict of add_permission parameters, got {permission!r:.80}.")
    lab5_setup()
    _deploy_thumbnailer(policy, again=False)
    _apply_permission(permission)
    running = sandbox.start()
    before = running.enforced_resource_policies()  # None: the notebook never set it
    running.set_enforce_resource_policies(True)
    try:
        arn = boto3.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]["FunctionArn"]
        _notification_to(UPLOADS, arn)
        key = f"photos/dog-{uuid.uuid4().hex[:6]}.png"
        boto3.client("s3").put_object(Bucket=UPLOADS, Key=key, Body=b"\x89PNG" + b"1" * 400)
        delivered = _wait_for_thumbnail(key)
        strangers = {"a bucket of another account with the same name":
                     running.invoke_allowed(FUNCTION, "s3.amazonaws.com", f"arn:aws:s3:::{UPLOADS}", "999999999999"),
                     "another bucket of your account":
                     running.invoke_allowed(FUNCTION, "s3.amazonaws.com", f"arn:aws:s3:::{PAYROLL}", ACCOUNT),
                     "another service": running.invoke_allowed(FUNCTION, "sns.amazonaws.com",
                                                               f"arn:aws:sns:{REGION}:{ACCOUNT}:uploads", ACCOUNT)}
    finally:
        running.set_enforce_resource_policies(before)
    if not delivered:
        raise CheckFailed(f"S3 could not invoke the function when a file was uploaded to {UPLOADS}. Grant "
                          "lambda:InvokeFunction to the principal s3.amazonaws.com, with SourceArn set to the "
                          f"bucket's ARN (arn:aws:s3:::{UPLOADS}) and SourceAccount to your account.")
    let_in = [who for who, allowed in strangers.items() if allowed]
    if let_in:
        raise CheckFailed("Your function policy also lets " + " and ".join(let_in) + " invoke the function. "
                          "Set SourceArn to the uploads bucket's ARN and SourceAccount to your account.")


# --- lab7-secrets ---------------------------------------------------------------------------------------------

LAB7_FUNCTION, LAB7_ROLE, LAB7_SECRET = "lab7-order-signer", "lab7-order-signer-role", "lab7/partner-token"
LAB7_TOKEN = "pk_live_51HqLAB7x9TfQ2vWm8aZr"  # the credential the lab's legacy code hard-codes
LAB7_URL = "https://partner.example/v2/orders"


def lab7_setup() -> dict[str, str]:
    """The lab's KMS key and the function's execution role; returns their ARNs."""
    kms = boto3.client("kms")
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    key_id = aliases.get("alias/lab7-config")
    if key_id is None:
        key_id = kms.create_key(Description="lab7 configuration")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/lab7-config", TargetKeyId=key_id)
    key_arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{LAB7_SECRET}-*"
    role = ensure_role(LAB7_ROLE, {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadPartnerToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": secret_arn},
        {"Sid": "DecryptConfiguration", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}]})
    return {"key_arn": key_arn, "role_arn": role}


def signature(token: str, order_id: str) -> str:
    """The partner's request signature: HMAC-SHA256 of the order id with the token, in hex."""
    return hmac.new(token.encode(), order_id.encode(), hashlib.sha256).hexdigest()


def check_secret_stored(name: str = LAB7_SECRET, expected: str = LAB7_TOKEN) -> None:
    """Secrets Manager holds the token, as a string, under the lab's secret name."""
    sm = boto3.client("secretsmanager")
    try:
        stored = sm.get_secret_value(SecretId=name)
    except sm.exceptions.ResourceNotFoundException:
        raise CheckFailed(f"There is no secret named {name!r}. Create it with create_secret(Name=..., "
                          "SecretString=...).") from None
    if stored.get("SecretString") != expected:
        raise CheckFailed(f"The secret {name!r} does not hold the token from the legacy code. Store the token "
                          "itself as SecretString, with nothing around it.")


def check_encrypted_for_function(value: Any, function_name: str = LAB7_FUNCTION, expected: str = LAB7_URL) -> None:
    """`value` is base64 ciphertext of the URL, bound to the function by the encryption context."""
    if not isinstance(value, str) or expected in value:
        raise CheckFailed("encrypted_url should be the base64 text of the KMS ciphertext, not the URL itself.")
    try:
        plain = secrets.decrypt_for_function(function_name, value)
    except (ClientError, ParamValidationError, ValueError):  # KMS refused it; not base64; not UTF-8 text
        raise CheckFailed("This value does not decrypt with the encryption context {\"LambdaFunctionName\": "
                          f"{function_name!r}}}. Pass EncryptionContext=... to kms.encrypt, and "
                          "base64-encode the CiphertextBlob it returns.") from None
    if plain != expected:
        raise CheckFailed(f"The value decrypts to {plain[:40]!r}, not the partner URL.")


def _invoke_signer(order_id: str) -> dict:
    result = invoke(LAB7_FUNCTION, {"order_id": order_id})
    if result.function_error:
        detail = result.payload.get("errorMessage", "") if isinstance(result.payload, dict) else result.payload
        raise CheckFailed(f"The function failed: {detail}\nEnd of its log:\n" + "\n".join(result.log.splitlines()[-5:]))
    if not isinstance(result.payload, dict):
        raise CheckFailed(f"The handler should return a dict with endpoint and signature, got {result.payload!r:.80}")
    return result.payload


def _check_answer(answer: dict, order_id: str, token: str) -> None:
    if answer.get("endpoint") != LAB7_URL:
        raise CheckFailed(f"The handler answered endpoint {answer.get('endpoint')!r}: decrypt PARTNER_URL at init "
                          "(kms.decrypt with the encryption context) and return the URL.")
    if answer.get("signature") != signature(token, order_id):
        raise CheckFailed("The signature is not made with the token stored in Secrets Manager: read the secret "
                          "named by SECRET_NAME and sign with its SecretString.")


def deploy_signer(source: str, encrypted_url: str, ttl_seconds: float = 300) -> dict:
    """Deploy the learner's signer as the lab's function, with its role, key and configuration.

    Each deployment carries a fresh CHECK_RUN value, so a check starts from a new execution environment
    rather than one an earlier check left warm (with its cache already filled).
    """
    setup = lab7_setup()
    deploy_function(LAB7_FUNCTION, source, role=setup["role_arn"], timeout=10,
                    environment={"SECRET_NAME": LAB7_SECRET, "PARTNER_URL": encrypted_url,
                                 "CACHE_TTL_SECONDS": str(ttl_seconds), "CHECK_RUN": uuid.uuid4().hex[:8]})
    boto3.client("lambda").update_function_configuration(FunctionName=LAB7_FUNCTION, KMSKeyArn=setup["key_arn"])
    return setup


def check_signer_works(source: str, encrypted_url: str) -> None:
    """Deployed with the lab's role, the handler signs orders with the stored token and knows the URL."""
    deploy_signer(source, encrypted_url)
    for order_id in ("order-1001", "order-1002"):
        _check_answer(_invoke_signer(order_id), order_id, LAB7_TOKEN)


def check_signer_caches(source: str, encrypted_url: str, *, ttl_seconds: float | None = None) -> None:
    """Warm invocations reuse the token and URL; with a TTL, a changed secret is picked up once it expires.

    The reads are counted under a long TTL, so a busy grading machine, slow enough for three invocations to
    outlast a short TTL, never costs a correct cache its point; the short TTL is checked on a fresh deployment.
    """
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    deploy_signer(source, encrypted_url)
    with sandbox.counting_secret_reads() as reads:
        for n in range(3):
            _check_answer(_invoke_signer(f"order-{n}"), f"order-{n}", LAB7_TOKEN)
    if reads[LAB7_SECRET] != 1:
        raise CheckFailed(f"Three invocations in one warm environment read the secret {reads[LAB7_SECRET]} "
                          "times; read it once, keep it in a module-level cache, and refresh it only when it is "
                          "older than CACHE_TTL_SECONDS.")
    if reads[secrets.DECRYPT] > 1:
        raise CheckFailed("The URL was decrypted on every invocation; decrypt it once, at init, outside the "
                          "handler.")
    if ttl_seconds is not None:
        deploy_signer(source, encrypted_url, ttl_seconds)
        _check_answer(_invoke_signer("order-before-rotation"), "order-before-rotation", LAB7_TOKEN)
        _check_ttl_refresh(ttl_seconds)


def _check_ttl_refresh(ttl_seconds: float) -> None:
    sm = boto3.client("secretsmanager")
    sm.put_secret_value(SecretId=LAB7_SECRET, SecretString=LAB7_TOKEN + "-rotated")
    try:
        time.sleep(ttl_seconds + 0.2)
        answer = _invoke_signer("order-after-rotation")
    finally:
        sm.put_secret_value(SecretId=LAB7_SECRET, SecretString=LAB7_TOKEN)
    if answer.get("signature") != signature(LAB7_TOKEN + "-rotated", "order-after-rotation"):
        raise CheckFailed(f"After the secret changed and CACHE_TTL_SECONDS ({ttl_seconds:g}) passed, the function "
                          "still signed with the old token. Fetch the secret again once the cached copy is older "
                          "than the TTL, so a rotation reaches warm environments.")


def check_no_plaintext(function_name: str = LAB7_FUNCTION, values: Iterable[str] = (LAB7_TOKEN, LAB7_URL)) -> None:
    """Neither the token nor the URL shows in plain text in the function's variables or code."""
    from localaws import sandbox  # the sandbox loads at first use: start-up time

    try:
        found = secrets.exposures(function_name, list(values), sandbox.function_code(function_name))
    except (ClientError, BotoCoreError, sandbox.PackageUnavailable) as error:  # no such function, or no sandbox
        raise CheckFailed(f"Could not read the function {function_name!r}: {error}. Run your deploy cell.") from None
    except zipfile.BadZipFile:
        raise CheckFailed(f"The code package of {function_name!r} is not a zip file, so it cannot be checked for "
                          "secrets. Deploy it with deploy_function(...), which zips your code.") from None
    if found:
        raise CheckFailed("A secret is in plain text in your function: " + ", ".join(found) + ". Keep the token in "
                          "Secrets Manager only and the URL only as KMS ciphertext.")


def check_kms_key_set(function_name: str = LAB7_FUNCTION, key_arn: str | None = None) -> None:
    """The function's configuration names the customer key that protects its environment (KMSKeyArn)."""
    config = boto3.client("lambda").get_function_configuration(FunctionName=function_name)
    expected = key_arn or lab7_setup()["key_arn"]
    if config.get("KMSKeyArn") != expected:
        raise CheckFailed(f"The function's KMSKeyArn is {config.get('KMSKeyArn')!r}; set it to KEY_ARN with "
                          "update_function_configuration, so Lambda encrypts the environment with your key.")
