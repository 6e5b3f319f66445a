"""Handler code runs as its execution role: each service's call succeeds with the permission, fails without it.

One function and one role serve every case: the role's inline policy is rewritten between invokes (IAM changes
apply at once in the sandbox), so every invoke after the first is warm.
"""

from __future__ import annotations

import base64
import json

import boto3
import pytest

from lambda_course.deploy import DEFAULT_ROLE_NAME, deploy_function, ensure_role, invoke

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
    if case == "sqs_batch":
        entries = [{"Id": str(i), "MessageBody": "hi"} for i in range(3)]
        return len(boto3.client("sqs").send_message_batch(QueueUrl=a["queue_url"], Entries=entries)["Successful"])
    if case == "transact":
        items = [{"Put": {"TableName": name, "Item": {"id": {"S": "t"}}}} for name in (a["table"], a["table2"])]
        return boto3.client("dynamodb").transact_write_items(TransactItems=items) and "ok"
    if case == "secrets_list":
        return len(boto3.client("secretsmanager").list_secrets()["SecretList"]) >= 1
    if case == "sts_assume":
        sts = boto3.client("sts")
        return sts.assume_role(RoleArn=a["other_role"], RoleSessionName="nested")["Credentials"] and "ok"
    raise ValueError(case)

def handler(event, context):
    try:
        return {"ok": call(event["case"], event["args"])}
    except Exception as error:
        response = getattr(error, "response", {})
        info = response.get("Error", {})
        return {"code": info.get("Code", type(error).__name__), "message": info.get("Message", str(error)),
                "status": response.get("ResponseMetadata", {}).get("HTTPStatusCode")}
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
# How each service words and answers a denial (see the evidence cited in localaws/iam/denials.py): the error
# code, the HTTP status, how it spells the action, how it names the resource, and whether it gives a reason.
ERRORS = {"s3_get": ("AccessDenied", 403), "s3_list": ("AccessDenied", 403), "sqs_send": ("AccessDenied", 403),
          "sns_publish": ("AuthorizationError", 403), "sts_assume": ("AccessDenied", 403),
          "lambda_invoke": ("AccessDeniedException", 403)}


def _denial(world: dict, case: str) -> dict:
    """The answer the handler should get for `case` when the role lacks its one permission."""
    action, resource = world["arns"][case]
    code, status = ERRORS.get(case, ("AccessDeniedException", 400))
    spelled = {"sqs_send": action.lower(), "sns_publish": "SNS:Publish"}.get(case, action)
    shown = {"s3_get": f'"{resource}"', "s3_list": f'"{resource}"',
             "secrets_get": world["args"]["secret_name"]}.get(case, resource)  # the SecretId as the caller gave it
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{world['role']}/{world['function']}"
    text = f"User: {session} is not authorized to perform: {spelled} on resource: {shown}"
    if case != "sts_assume":  # STS ends its AssumeRole denial at the role's ARN
        text += f" because no identity-based policy allows the {spelled} action"
    return {"code": code, "message": text, "status": status}


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
    a = {"bucket": f"enf-{u}", "table": f"orders-{u}", "table2": f"stock-{u}", "target": f"target-{u}",
         "bus": f"bus-{u}", "group": f"/app/{u}", "secret_name": f"db-{u}"}
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=a["bucket"])
    s3.put_object(Bucket=a["bucket"], Key="data.txt", Body=b"hello")
    for table in (a["table"], a["table2"]):
        boto3.client("dynamodb").create_table(
            TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
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
    assert _run(world, case) == _denial(world, case)


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


def _table_arn(world: dict, key: str = "table") -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{world['args'][key]}"


def _put_statements(world: dict, *statements: dict) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": f"S{i}", "Effect": "Allow", **st}
                                                     for i, st in enumerate(statements)]}
    boto3.client("iam").put_role_policy(RoleName=world["role"], PolicyName=f"{world['role']}-inline",
                                        PolicyDocument=json.dumps(policy))


def test_send_message_batch_needs_only_send_message(world):
    """IAM has no sqs:SendMessageBatch: a batch is authorised as sqs:SendMessage."""
    _put_statements(world, {"Action": "sqs:SendMessage", "Resource": world["args"]["queue_arn"]})
    assert _run(world, "sqs_batch") == {"ok": 3}
    _put_statements(world, {"Action": "sqs:ReceiveMessage", "Resource": world["args"]["queue_arn"]})
    answer = _run(world, "sqs_batch")
    assert (answer["code"], answer["status"]) == ("AccessDenied", 403)
    assert "perform: sqs:sendmessage on resource" in answer["message"]


def test_transact_write_needs_put_item_on_every_table(world):
    _put_statements(world, {"Action": "dynamodb:PutItem", "Resource": _table_arn(world)})
    answer = _run(world, "transact")
    assert (answer["code"], answer["status"]) == ("AccessDeniedException", 400)
    assert answer["message"].endswith(f"dynamodb:PutItem on resource: {_table_arn(world, 'table2')} because no "
                                      "identity-based policy allows the dynamodb:PutItem action")
    _put_statements(world, {"Action": "dynamodb:PutItem", "Resource": [_table_arn(world), _table_arn(world, "table2")]})
    assert _run(world, "transact") == {"ok": "ok"}


def test_unscoped_secrets_action_names_no_resource(world):
    _put_statements(world, {"Action": "sts:GetCallerIdentity", "Resource": "*"})
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{world['role']}/{world['function']}"
    assert _run(world, "secrets_list") == {
        "code": "AccessDeniedException", "status": 400,
        "message": f"User: {session} is not authorized to perform: secretsmanager:ListSecrets because no "
                   "identity-based policy allows the secretsmanager:ListSecrets action"}
    _put_statements(world, {"Action": "secretsmanager:ListSecrets", "Resource": "*"})
    assert _run(world, "secrets_list") == {"ok": True}


def test_principal_tag_in_a_resource_arn(world):
    """An execution role reaches only the table its `team` tag names: ${aws:PrincipalTag/team} in the ARN."""
    iam = boto3.client("iam")
    _put_statements(world, {"Action": "dynamodb:PutItem",
                            "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/${{aws:PrincipalTag/team}}"})
    try:
        assert _run(world, "dynamodb_put")["code"] == "AccessDeniedException"  # untagged: the variable is unset
        iam.tag_role(RoleName=world["role"], Tags=[{"Key": "team", "Value": world["args"]["table"]}])
        assert _run(world, "dynamodb_put") == {"ok": "ok"}
        iam.tag_role(RoleName=world["role"], Tags=[{"Key": "team", "Value": world["args"]["table2"]}])
        assert _run(world, "dynamodb_put")["code"] == "AccessDeniedException"
    finally:
        iam.untag_role(RoleName=world["role"], TagKeys=["team"])


def test_resource_tag_matches_principal_tag(world):
    """The classic ABAC rule: allow when the table's owner tag equals the role's team tag."""
    iam, ddb = boto3.client("iam"), boto3.client("dynamodb")
    _put_statements(world, {"Action": "dynamodb:PutItem", "Resource": "*", "Condition": {
        "StringEquals": {"aws:ResourceTag/owner": "${aws:PrincipalTag/team}"}}})
    iam.tag_role(RoleName=world["role"], Tags=[{"Key": "team", "Value": "shop"}])
    try:
        assert _run(world, "dynamodb_put")["code"] == "AccessDeniedException"  # the table has no owner tag
        ddb.tag_resource(ResourceArn=_table_arn(world), Tags=[{"Key": "owner", "Value": "shop"}])
        assert _run(world, "dynamodb_put") == {"ok": "ok"}
    finally:
        iam.untag_role(RoleName=world["role"], TagKeys=["team"])
        ddb.untag_resource(ResourceArn=_table_arn(world), TagKeys=["owner"])
