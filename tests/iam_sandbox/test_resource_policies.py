"""Resource-based policies: grants and denies on buckets, queues, functions and keys, and trigger permissions."""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest

from lambda_course.deploy import deploy_function, ensure_role, invoke

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOTHING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}

CALLER = """
import base64, boto3

def handler(event, context):
    a = event
    try:
        if a["case"] == "s3_get":
            return {"ok": boto3.client("s3").get_object(Bucket=a["bucket"], Key="k")["Body"].read().decode()}
        if a["case"] == "sqs_send":
            boto3.client("sqs").send_message(QueueUrl=a["queue_url"], MessageBody="hi")
            return {"ok": "sent"}
        if a["case"] == "invoke":
            return {"ok": boto3.client("lambda").invoke(FunctionName=a["target"])["StatusCode"]}
        if a["case"] == "kms_encrypt":
            boto3.client("kms").encrypt(KeyId=a["key"], Plaintext=b"x")
            return {"ok": "encrypted"}
    except Exception as error:
        info = error.response["Error"]
        return {"code": info["Code"], "message": info["Message"],
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
"""

RECORDER = """
import json
def handler(event, context):
    record = (event.get("Records") or [{}])[0]
    source = (record.get("s3", {}).get("bucket", {}).get("name") or record.get("Sns", {}).get("Subject")
              or event.get("source"))
    print("RECEIVED", source)
    return {}
"""


@pytest.fixture(scope="module")
def caller(sb):
    """A function whose role grants (almost) nothing of its own, and its role's name."""
    u = uuid.uuid4().hex[:8]
    role = f"bare-{u}"
    arn = ensure_role(role, NOTHING)
    name = f"bare-caller-{u}"
    deploy_function(name, CALLER, role=arn, timeout=10)
    return {"name": name, "role": role, "role_arn": arn,
            "session": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name}"}


def _call(caller: dict, **event) -> dict:
    result = invoke(caller["name"], event)
    assert result.function_error is None, result.log
    return result.payload


def _allow(principal: dict, action: str, resource: str, effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Grant", "Effect": effect, "Principal": principal, "Action": action, "Resource": resource}]})


def test_bucket_policy_grants_the_role(caller, unique):
    s3 = boto3.client("s3")
    bucket = f"shared-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"from the bucket")
    denied = _call(caller, case="s3_get", bucket=bucket)
    assert (denied["code"], denied["status"]) == ("AccessDenied", 403)
    s3.put_bucket_policy(Bucket=bucket, Policy=_allow({"AWS": caller["role_arn"]}, "s3:GetObject",
                                                       f"arn:aws:s3:::{bucket}/*"))
    assert _call(caller, case="s3_get", bucket=bucket) == {"ok": "from the bucket"}


def test_queue_policy_deny_overrides_identity_grant(caller, unique):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"locked-{unique}")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:locked-{unique}"
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName=caller["role"], PolicyName="sqs-all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
    try:
        assert _call(caller, case="sqs_send", queue_url=url) == {"ok": "sent"}
        sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": _allow({"AWS": "*"}, "sqs:SendMessage", queue_arn, effect="Deny")})
        answer = _call(caller, case="sqs_send", queue_url=url)
    finally:
        iam.delete_role_policy(RoleName=caller["role"], PolicyName="sqs-all")
    assert answer == {"code": "AccessDenied", "status": 403,  # SQS writes the action in lower case
                      "message": f"User: {caller['session']} is not authorized to perform: sqs:sendmessage on "
                                 f"resource: {queue_arn} with an explicit deny in a resource-based policy"}


def test_queue_policy_grants_the_role(caller, unique):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"inbox-{unique}")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:inbox-{unique}"
    denied = _call(caller, case="sqs_send", queue_url=url)
    assert (denied["code"], denied["status"]) == ("AccessDenied", 403)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "Policy": _allow({"AWS": caller["role_arn"]}, "sqs:SendMessage", queue_arn)})
    assert _call(caller, case="sqs_send", queue_url=url) == {"ok": "sent"}


def test_function_policy_lets_a_role_invoke(caller, unique):
    target = f"callee-{unique}"
    deploy_function(target, "def handler(event, context):\n    return 7\n")
    denied = _call(caller, case="invoke", target=target)
    assert denied == {"code": "AccessDeniedException", "status": 403,
                      "message": f"User: {caller['session']} is not authorized "
                      f"to perform: lambda:InvokeFunction on resource: arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
                      f"{target} because no identity-based policy allows the lambda:InvokeFunction action"}
    boto3.client("lambda").add_permission(FunctionName=target, StatementId="caller", Action="lambda:InvokeFunction",
                                          Principal=caller["role_arn"])
    assert _call(caller, case="invoke", target=target) == {"ok": 200}


def test_key_policy_must_admit_the_caller(caller, unique):
    kms = boto3.client("kms")
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName=caller["role"], PolicyName="kms-all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}))
    try:
        delegating = kms.create_key()["KeyMetadata"]["Arn"]  # the default key policy delegates to the account
        assert _call(caller, case="kms_encrypt", key=delegating) == {"ok": "encrypted"}
        only_root = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"}, "Action": "kms:*",
             "Resource": "*"}]})
        closed = kms.create_key(Policy=only_root)["KeyMetadata"]["Arn"]
        answer = _call(caller, case="kms_encrypt", key=closed)
    finally:
        iam.delete_role_policy(RoleName=caller["role"], PolicyName="kms-all")
    assert answer == {"code": "AccessDeniedException", "status": 400,
                      "message": f"User: {caller['session']} is not authorized to perform: kms:Encrypt on resource: "
                                 f"{closed} because no resource-based policy allows the kms:Encrypt action"}


# --- triggers: S3, SNS and EventBridge need the function policy unless sb.enforce_resource_policies is off ---


@pytest.fixture(scope="module")
def recorder(sb):
    """A function that logs which bucket, topic subject or event source reached it; returns (name, arn, seen)."""
    name = f"trigger-recorder-{uuid.uuid4().hex[:8]}"
    arn = deploy_function(name, RECORDER)["FunctionArn"]

    def seen(source: str, expected: bool) -> bool:
        sb.wait_idle(timeout=10)
        logs, deadline = boto3.client("logs"), time.time() + (5 if expected else 0.5)
        while True:
            try:
                events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
            except logs.exceptions.ResourceNotFoundException:
                events = []
            if any(e["message"].strip() == f"RECEIVED {source}" for e in events) or time.time() > deadline:
                return any(e["message"].strip() == f"RECEIVED {source}" for e in events)
            time.sleep(0.1)

    return name, arn, seen


def _switch(sb, on: bool):
    """Set sb.enforce_resource_policies for one test, then leave it as it was (unset means the default)."""
    before = sb.enforced_resource_policies()
    sb.enforce_resource_policies = on
    try:
        yield sb
    finally:
        sb.set_enforce_resource_policies(before)


@pytest.fixture
def enforced(sb):
    yield from _switch(sb, True)


@pytest.fixture
def unenforced(sb):
    yield from _switch(sb, False)


def _permit(function: str, principal: str, source_arn: str) -> None:
    boto3.client("lambda").add_permission(FunctionName=function, StatementId=f"s{uuid.uuid4().hex[:8]}",
                                          Action="lambda:InvokeFunction", Principal=principal,
                                          SourceArn=source_arn, SourceAccount=ACCOUNT)


def _s3_upload(bucket: str, arn: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key="f.txt", Body=b"x")


@pytest.mark.parametrize("grant", ["none", "other-bucket", "this-bucket"])
def test_s3_trigger_needs_permission(enforced, recorder, unique, grant):
    name, arn, seen = recorder
    bucket = f"up-{grant}-{unique}"
    if grant != "none":
        _permit(name, "s3.amazonaws.com", f"arn:aws:s3:::{bucket if grant == 'this-bucket' else 'elsewhere'}")
    _s3_upload(bucket, arn)
    assert seen(bucket, expected=grant == "this-bucket") is (grant == "this-bucket")


def test_s3_trigger_without_permission_when_checks_are_off(unenforced, recorder, unique):
    name, arn, seen = recorder
    _s3_upload(f"open-{unique}", arn)
    assert seen(f"open-{unique}", expected=True)


@pytest.mark.parametrize("granted", [False, True])
def test_sns_trigger_needs_permission(enforced, recorder, unique, granted):
    name, arn, seen = recorder
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"alerts-{unique}")["TopicArn"]
    if granted:
        _permit(name, "sns.amazonaws.com", topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="hi", Subject=f"subject-{unique}")
    assert seen(f"subject-{unique}", expected=granted) is granted


@pytest.mark.parametrize("granted", [False, True])
def test_eventbridge_trigger_needs_permission(enforced, recorder, unique, granted):
    name, arn, seen = recorder
    events = boto3.client("events")
    rule_arn = events.put_rule(Name=f"orders-{unique}", EventPattern=json.dumps({"source": [f"shop-{unique}"]}))[
        "RuleArn"]
    events.put_targets(Rule=f"orders-{unique}", Targets=[{"Id": "fn", "Arn": arn}])
    if granted:
        _permit(name, "events.amazonaws.com", rule_arn)
    events.put_events(Entries=[{"Source": f"shop-{unique}", "DetailType": "order", "Detail": "{}"}])
    assert seen(f"shop-{unique}", expected=granted) is granted
