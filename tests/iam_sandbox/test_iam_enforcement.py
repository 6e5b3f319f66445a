"""Handler code runs as its execution role: each service's call succeeds with the permission, fails without it.

One function and one role serve every case: the role's inline policy is rewritten between invokes (IAM changes
apply at once in the sandbox), so every invoke after the first is warm.
"""

from __future__ import annotations

import base64
import json

import boto3
import pytest

from grader.deploy import DEFAULT_ROLE_NAME, deploy_function, ensure_role, invoke

ACCOUNT = "123456789012"
REGION = "us-east-1"

HANDLER = """
import base64, boto3

def call(case, a):
    if case == "s3_get":
        return boto3.client("s3").get_object(Bucket=a["bucket"], Key="data.txt")["Body"].read().decode()
    if case == "s3_list":
        return boto3.client("s3").list_objects_v2(Bucket=a["bucket"])["KeyCount"]
    if case == "dynamodb_put":
        return boto3.client("dynamodb").put_item(TableName=a["table"], Item={"id": {"S": "1"}}) and "ok"
    if case == "sqs_send":
        return boto3.client("sqs").send_message(QueueUrl=a["queue_url"], MessageBody="hi")["MessageId"] and "ok"
    if case == "sns_publish":
        return boto3.client("sns").publish(TopicArn=a["topic"], Message="hi")["MessageId"] and "ok"
    if case == "lambda_invoke":
        return boto3.client("lambda").invoke(FunctionName=a["target"])["StatusCode"]
    if case == "secrets_get":
        return boto3.client("secretsmanager").get_secret_value(SecretId=a["secret_name"])["SecretString"]
    if case == "kms_decrypt":
        blob = base64.b64decode(a["ciphertext"])
        return boto3.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"].decode()
    if case == "events_put":
        entry = {"Source": "shop", "DetailType": "order", "Detail": "{}", "EventBusName": a["bus"]}
        return boto3.client("events").put_events(Entries=[entry])["FailedEntryCount"]
    if case == "logs_put":
        return boto3.client("logs").put_log_events(logGroupName=a["group"], logStreamName="s1",
            logEvents=[{"timestamp": 1700000000000, "message": "hi"}]) and "ok"
    if case == "sts_assume":
        sts = boto3.client("sts")
        return sts.assume_role(RoleArn=a["other_role"], RoleSessionName="nested")["Credentials"] and "ok"
    raise ValueError(case)

def handler(event, context):
    try:
        return {"ok": call(event["case"], event["args"])}
    except Exception as error:
        info = getattr(error, "response", {}).get("Error", {})
        return {"code": info.get("Code", type(error).__name__), "message": info.get("Message", str(error))}
"""


def _arns(a: dict[str, str]) -> dict[str, tuple[str, str]]:
    """For each case: the IAM action it needs and the resource ARN AWS names in a denial."""
    return {
        "s3_get": ("s3:GetObject", f"arn:aws:s3:::{a['bucket']}/data.txt"),
        "s3_list": ("s3:ListBucket", f"arn:aws:s3:::{a['bucket']}"),
        "dynamodb_put": ("dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{a['table']}"),
        "sqs_send": ("sqs:SendMessage", a["queue_arn"]),
        "sns_publish": ("sns:Publish", a["topic"]),
        "lambda_invoke": ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{a['target']}"),
        "secrets_get": ("secretsmanager:GetSecretValue", a["secret_arn"]),
        "kms_decrypt": ("kms:Decrypt", a["key_arn"]),
        "events_put": ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{a['bus']}"),
        "logs_put": ("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{a['group']}:log-stream:s1"),
        "sts_assume": ("sts:AssumeRole", a["other_role"]),
    }


EXPECTED_OK = {"s3_get": "hello", "s3_list": 1, "lambda_invoke": 200, "secrets_get": "s3cret",
               "kms_decrypt": "plain", "events_put": 0}
# (error code, how the service spells the action in its message, whether it quotes the resource)
ERRORS = {"s3_get": ("AccessDenied", None, True), "s3_list": ("AccessDenied", None, True),
          "sqs_send": ("AccessDenied", None, False), "sns_publish": ("AuthorizationError", "SNS:Publish", False),
          "sts_assume": ("AccessDenied", None, False)}


def _policy(statements: dict[str, tuple[str, str]]) -> dict:
    """Allow each (action, resource); IAM refuses an empty Statement list, so one harmless grant is always there."""
    granted = [{"Sid": case.replace("_", ""), "Effect": "Allow", "Action": action, "Resource": resource}
               for case, (action, resource) in statements.items()]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "WhoAmI", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}, *granted]}


@pytest.fixture(scope="module")
def world(sb):
    """Every resource the cases touch, one function running as `role`, and each case's (action, resource)."""
    import uuid

    u = uuid.uuid4().hex[:8]
    a = {"bucket": f"enf-{u}", "table": f"orders-{u}", "target": f"target-{u}", "bus": f"bus-{u}",
         "group": f"/app/{u}", "secret_name": f"db-{u}"}
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=a["bucket"])
    s3.put_object(Bucket=a["bucket"], Key="data.txt", Body=b"hello")
    boto3.client("dynamodb").create_table(
        TableName=a["table"], KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    sqs = boto3.client("sqs")
    a["queue_url"] = sqs.create_queue(QueueName=f"jobs-{u}")["QueueUrl"]
    a["queue_arn"] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs-{u}"
    a["topic"] = boto3.client("sns").create_topic(Name=f"news-{u}")["TopicArn"]
    a["secret_arn"] = boto3.client("secretsmanager").create_secret(Name=a["secret_name"], SecretString="s3cret")["ARN"]
    kms = boto3.client("kms")
    a["key_arn"] = kms.create_key()["KeyMetadata"]["Arn"]
    a["ciphertext"] = base64.b64encode(kms.encrypt(KeyId=a["key_arn"], Plaintext=b"plain")["CiphertextBlob"]).decode()
    boto3.client("events").create_event_bus(Name=a["bus"])
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=a["group"])
    logs.create_log_stream(logGroupName=a["group"], logStreamName="s1")
    deploy_function(a["target"], "def handler(event, context):\n    return 1\n")
    role_name = f"enforced-{u}"
    role_arn = ensure_role(role_name, _policy({}))
    trust = {"Version": "2012-10-17", "Statement": [  # naming the account leaves the decision to the caller's role
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    a["other_role"] = boto3.client("iam").create_role(
        RoleName=f"other-{u}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    function = f"caller-{u}"
    deploy_function(function, HANDLER, role=role_arn, timeout=10)
    return {"args": a, "role": role_name, "function": function, "arns": _arns(a)}


def _set_policy(world: dict, statements: dict[str, tuple[str, str]]) -> None:
    boto3.client("iam").put_role_policy(RoleName=world["role"], PolicyName=f"{world['role']}-inline",
                                        PolicyDocument=json.dumps(_policy(statements)))


def _run(world: dict, case: str) -> dict:
    result = invoke(world["function"], {"case": case, "args": world["args"]})
    assert result.function_error is None, result.log
    return result.payload


CASES = ["s3_get", "s3_list", "dynamodb_put", "sqs_send", "sns_publish", "lambda_invoke", "secrets_get",
         "kms_decrypt", "events_put", "logs_put", "sts_assume"]


@pytest.mark.parametrize("case", CASES)
def test_call_needs_its_permission(world, case):
    arns = world["arns"]
    _set_policy(world, arns)
    assert _run(world, case) == {"ok": EXPECTED_OK.get(case, "ok")}

    _set_policy(world, {other: value for other, value in arns.items() if other != case})
    action, resource = arns[case]
    code, spelled, quoted = ERRORS.get(case, ("AccessDeniedException", None, False))
    spelled = spelled or action
    shown = f'"{resource}"' if quoted else resource
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{world['role']}/{world['function']}"
    assert _run(world, case) == {"code": code, "message": f"User: {session} is not authorized to perform: "
                                 f"{spelled} on resource: {shown} because no identity-based policy allows the "
                                 f"{spelled} action"}


def test_explicit_deny_is_named(world):
    arns = world["arns"]
    policy = _policy(arns)
    policy["Statement"].append({"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"})
    boto3.client("iam").put_role_policy(RoleName=world["role"], PolicyName=f"{world['role']}-inline",
                                        PolicyDocument=json.dumps(policy))
    answer = _run(world, "dynamodb_put")
    assert answer["code"] == "AccessDeniedException"
    assert answer["message"].endswith(
        f"dynamodb:PutItem on resource: {arns['dynamodb_put'][1]} with an explicit deny in an identity-based policy")


def test_permissions_boundary_limits_the_role(world):
    iam = boto3.client("iam")
    arns = world["arns"]
    _set_policy(world, arns)
    boundary = iam.create_policy(PolicyName=f"boundary-{world['role']}", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    iam.put_role_permissions_boundary(RoleName=world["role"], PermissionsBoundary=boundary["Policy"]["Arn"])
    try:
        assert _run(world, "s3_get") == {"ok": "hello"}
        answer = _run(world, "dynamodb_put")
        assert answer["message"].endswith("because no permissions boundary allows the dynamodb:PutItem action")
    finally:
        iam.delete_role_permissions_boundary(RoleName=world["role"])


def test_attached_managed_policy_counts(world):
    iam = boto3.client("iam")
    _set_policy(world, {})
    managed = iam.create_policy(PolicyName=f"tables-{world['role']}", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    iam.attach_role_policy(RoleName=world["role"], PolicyArn=managed["Policy"]["Arn"])
    try:
        assert _run(world, "dynamodb_put") == {"ok": "ok"}
        assert _run(world, "s3_list")["code"] == "AccessDenied"
    finally:
        iam.detach_role_policy(RoleName=world["role"], PolicyArn=managed["Policy"]["Arn"])


def test_learner_calls_are_unrestricted(world):
    _set_policy(world, {})
    table = world["args"]["table"]
    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName=table, Item={"id": {"S": "learner"}})
    assert ddb.get_item(TableName=table, Key={"id": {"S": "learner"}})["Item"]["id"] == {"S": "learner"}
    assert _run(world, "dynamodb_put")["code"] == "AccessDeniedException"


def test_enforcement_can_be_switched_off(sb, world):
    _set_policy(world, {})
    sb.enforce_iam = False
    try:
        assert _run(world, "dynamodb_put") == {"ok": "ok"}
    finally:
        sb.enforce_iam = True
    assert _run(world, "dynamodb_put")["code"] == "AccessDeniedException"


def test_default_demo_role_is_evaluated_like_any_other(sb, world):
    """The demo role passes because its policy allows everything, not because it is exempt."""
    name = f"default-role-{world['role']}"
    deploy_function(name, HANDLER, timeout=10)  # no role given: the course's demo role
    event = {"case": "dynamodb_put", "args": world["args"]}
    assert invoke(name, event).payload == {"ok": "ok"}
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName="deny-dynamodb", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}]}))
    try:
        assert invoke(name, event).payload["code"] == "AccessDeniedException"
    finally:
        iam.delete_role_policy(RoleName=DEFAULT_ROLE_NAME, PolicyName="deny-dynamodb")
