"""AWS managed policies: present at their ARNs as AWS publishes them, attachable, and binding on the role's calls.

Each policy's document, default version and path are the ones its page in the AWS Managed Policy Reference shows:
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaSQSQueueExecutionRole.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaDynamoDBExecutionRole.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaKinesisExecutionRole.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaRole.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaExecute.html
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html
Lambda's guide names the first five as the execution-role policies for its features:
https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.iam.models import IAMBackend

from lambda_course.deploy import deploy_function, ensure_role, invoke
from localaws.iam import managed_policies

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
SQS = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
VPC = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
XRAY = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"

HANDLER = """
import boto3

def call(case, a):
    if case == "logs":
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName=a["group"])
        logs.create_log_stream(logGroupName=a["group"], logStreamName="s1")
        logs.put_log_events(logGroupName=a["group"], logStreamName="s1",
                            logEvents=[{"timestamp": 1700000000000, "message": "hi"}])
        return "ok"
    if case == "receive":
        sqs = boto3.client("sqs")
        messages = sqs.receive_message(QueueUrl=a["queue_url"], WaitTimeSeconds=0).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=a["queue_url"], ReceiptHandle=message["ReceiptHandle"])
        return [message["Body"] for message in messages]
    if case == "send":
        return boto3.client("sqs").send_message(QueueUrl=a["queue_url"], MessageBody="x") and "ok"
    raise ValueError(case)

def handler(event, context):
    try:
        return {"ok": call(event["case"], event["args"])}
    except Exception as error:
        return {"code": getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)}
"""


@pytest.fixture(scope="module")
def world(sb):
    """A function whose role has no policy of its own, and a queue holding one message."""
    u = uuid.uuid4().hex[:8]
    role = f"managed-{u}"
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName=f"managed-{u}")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="order-1")
    function = f"managed-{u}"
    deploy_function(function, HANDLER, role=ensure_role(role), timeout=10)
    return {"role": role, "function": function, "args": {"group": f"/app/{u}", "queue_url": queue_url}}


def _run(world: dict, case: str) -> dict:
    result = invoke(world["function"], {"case": case, "args": world["args"]})
    assert result.function_error is None, result.log
    return result.payload


def _attached(world: dict, arn: str):
    """Attach `arn` to the role for the length of a `with` block."""
    iam = boto3.client("iam")

    class Attached:
        def __enter__(self):
            iam.attach_role_policy(RoleName=world["role"], PolicyArn=arn)

        def __exit__(self, *exc):
            iam.detach_role_policy(RoleName=world["role"], PolicyArn=arn)

    return Attached()


@pytest.mark.parametrize("name", sorted(managed_policies.entries()))
def test_get_policy_and_version_answer_as_the_reference_page(sb, name):
    entry = managed_policies.entries()[name]
    iam = boto3.client("iam")
    arn = f"arn:aws:iam::aws:policy{entry['Path']}{name}"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["PolicyName"], policy["Path"], policy["DefaultVersionId"]) == \
        (name, entry["Path"], entry["DefaultVersionId"])
    assert policy["IsAttachable"] is True and policy["Description"] == entry["Description"]
    assert policy["UpdateDate"] == datetime.fromisoformat(entry["UpdateDate"])
    version = iam.get_policy_version(PolicyArn=arn, VersionId=entry["DefaultVersionId"])["PolicyVersion"]
    assert version["IsDefaultVersion"] is True and version["Document"] == entry["Document"]
    assert entry["Source"].endswith(f"/aws-managed-policy/latest/reference/{name}.html")
    assert managed_policies.arn(name) == arn


def test_the_documents_grant_what_the_reference_pages_list(sb):
    def actions(arn: str) -> list[str]:
        iam = boto3.client("iam")
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        return [action for statement in document["Statement"] for action in statement["Action"]]

    logs = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    assert actions(BASIC) == logs
    assert actions(SQS) == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", *logs]
    assert boto3.client("iam").get_policy(PolicyArn=VPC)["Policy"]["DefaultVersionId"] == "v3"
    assert "xray:PutTraceSegments" in actions(XRAY)


def test_aws_managed_policies_are_listed_under_scope_aws(sb):
    listed = {p["Arn"] for p in boto3.client("iam").list_policies(Scope="AWS", MaxItems=1000)["Policies"]}
    assert {BASIC, SQS, VPC, XRAY} <= listed


def test_an_aws_policy_the_sandbox_does_not_hold_is_refused(world):
    with pytest.raises(ClientError) as raised:
        boto3.client("iam").attach_role_policy(RoleName=world["role"],
                                               PolicyArn="arn:aws:iam::aws:policy/service-role/NoSuchPolicy")
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"


def test_basic_execution_role_lets_the_function_write_logs_and_nothing_more(world):
    assert _run(world, "logs") == {"code": "AccessDeniedException"}  # the role has no policy yet
    with _attached(world, BASIC):
        assert _run(world, "logs") == {"ok": "ok"}
        assert _run(world, "receive") == {"code": "AccessDenied"}
    world["args"]["group"] += "-again"
    assert _run(world, "logs") == {"code": "AccessDeniedException"}  # detached: denied again


def test_sqs_queue_execution_role_receives_and_deletes_but_cannot_send(world):
    assert _run(world, "receive") == {"code": "AccessDenied"}
    with _attached(world, SQS):
        assert _run(world, "receive") == {"ok": ["order-1"]}
        assert _run(world, "send") == {"code": "AccessDenied"}


def test_simulation_counts_an_attached_aws_managed_policy(world):
    iam = boto3.client("iam")
    role_arn = iam.get_role(RoleName=world["role"])["Role"]["Arn"]
    with _attached(world, VPC):
        results = iam.simulate_principal_policy(
            PolicySourceArn=role_arn, ActionNames=["ec2:CreateNetworkInterface", "ec2:RunInstances"])
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results["EvaluationResults"]}
    assert decisions == {"ec2:CreateNetworkInterface": "allowed", "ec2:RunInstances": "implicitDeny"}


def test_loading_moto_s_own_copy_keeps_the_course_s_version(sb, monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    backend = IAMBackend("aws", "210987654321")
    held = {policy.name: policy for policy in backend.aws_managed_policies}
    assert len(held) > len(managed_policies.entries())  # moto's own copy is there too
    basic = held["AWSLambdaBasicExecutionRole"]
    assert json.loads(basic.versions[0].document) == managed_policies.entries()[basic.name]["Document"]
    assert basic.description == managed_policies.entries()[basic.name]["Description"]
    assert sum(policy.name == "AWSLambdaBasicExecutionRole" for policy in backend.aws_managed_policies) == 1
