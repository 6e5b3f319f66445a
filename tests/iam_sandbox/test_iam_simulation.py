"""IAM's policy simulator, answered by the sandbox through boto3 exactly as code written for AWS calls it."""

from __future__ import annotations

import json

import boto3
import pytest

ACCOUNT = "123456789012"

READ_PREFIX = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadReports", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
]}
DENY_DELETE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
]}


def _by_action(results: list[dict]) -> dict[str, dict]:
    return {r["EvalActionName"]: r for r in results}


def test_custom_policy_decisions_and_matched_statements(sb):
    iam = boto3.client("iam")
    answer = iam.simulate_custom_policy(PolicyInputList=[json.dumps(DENY_DELETE)],
                                        ActionNames=["s3:GetObject", "s3:DeleteObject", "dynamodb:PutItem"],
                                        ResourceArns=["arn:aws:s3:::reports/2024.csv"])
    results = _by_action(answer["EvaluationResults"])
    assert {a: r["EvalDecision"] for a, r in results.items()} == {
        "s3:GetObject": "allowed", "s3:DeleteObject": "explicitDeny", "dynamodb:PutItem": "implicitDeny"}
    assert results["s3:GetObject"]["EvalResourceName"] == "arn:aws:s3:::reports/2024.csv"
    assert [m["SourcePolicyId"] for m in results["s3:DeleteObject"]["MatchedStatements"]] == ["PolicyInputList.1"]
    assert results["dynamodb:PutItem"]["MatchedStatements"] == []
    assert answer["IsTruncated"] is False


@pytest.mark.parametrize(("region", "decision"), [("eu-west-1", "allowed"), ("us-east-1", "implicitDeny")])
def test_context_entries_are_honoured(sb, region, decision):
    iam = boto3.client("iam")
    answer = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(READ_PREFIX)], ActionNames=["s3:GetObject"],
        ContextEntries=[{"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": [region],
                         "ContextKeyType": "string"}])
    assert answer["EvaluationResults"][0]["EvalDecision"] == decision
    assert answer["EvaluationResults"][0]["EvalResourceName"] == "*"


def test_boundary_and_resource_policy_inputs(sb):
    iam = boto3.client("iam")
    caller = f"arn:aws:iam::{ACCOUNT}:user/alice"
    bucket_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": caller}, "Action": "s3:GetObject", "Resource": "*"}]})
    boundary = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]})
    answer = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(DENY_DELETE)], PermissionsBoundaryPolicyInputList=[boundary],
        ActionNames=["s3:PutObject", "s3:GetObject"], ResourcePolicy=bucket_policy, CallerArn=caller)
    results = _by_action(answer["EvaluationResults"])
    assert results["s3:PutObject"]["EvalDecision"] == "implicitDeny"  # the boundary allows only DynamoDB
    assert results["s3:GetObject"]["EvalDecision"] == "allowed"  # the bucket policy names alice herself
    # Both grants that apply are listed; only the bucket policy's is enough, since the boundary stops the other.
    assert [m["SourcePolicyId"] for m in results["s3:GetObject"]["MatchedStatements"]] == ["PolicyInputList.1",
                                                                                          "ResourcePolicy"]


def test_principal_policy_of_a_role(sb, unique):
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=f"sim-{unique}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="deny-deletes", PolicyDocument=json.dumps(DENY_DELETE))
    managed = iam.create_policy(PolicyName=f"tables-{unique}", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}]}))
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=managed["Policy"]["Arn"])
    answer = iam.simulate_principal_policy(PolicySourceArn=role["Arn"],
                                           ActionNames=["dynamodb:PutItem", "s3:DeleteObject", "sqs:SendMessage"])
    results = _by_action(answer["EvaluationResults"])
    assert results["dynamodb:PutItem"]["EvalDecision"] == "allowed"
    assert results["dynamodb:PutItem"]["MatchedStatements"] == [
        {"SourcePolicyId": f"tables-{unique}", "SourcePolicyType": "user-managed",
         "StartPosition": {"Line": 1, "Column": 41}, "EndPosition": {"Line": 1, "Column": 106}}]
    assert results["s3:DeleteObject"]["EvalDecision"] == "explicitDeny"
    assert results["s3:DeleteObject"]["MatchedStatements"][0]["SourcePolicyId"] == "deny-deletes"
    assert results["sqs:SendMessage"]["EvalDecision"] == "implicitDeny"


def test_malformed_policy_is_rejected(sb):
    iam = boto3.client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.simulate_custom_policy(PolicyInputList=["{not json"], ActionNames=["s3:GetObject"])


def _trust() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _allow(sid: str, action: str, resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}]})


def test_principal_policy_of_a_user_counts_its_groups_policies_and_its_own(sb, unique):
    iam = boto3.client("iam")
    user = iam.create_user(UserName=f"sim-user-{unique}")["User"]
    for group, action in ((f"readers-{unique}", "s3:GetObject"), (f"writers-{unique}", "s3:PutObject")):
        iam.create_group(GroupName=group)
        iam.put_group_policy(GroupName=group, PolicyName=f"{group}-policy", PolicyDocument=_allow("G", action))
        iam.add_user_to_group(GroupName=group, UserName=user["UserName"])
    iam.put_user_policy(UserName=user["UserName"], PolicyName="own", PolicyDocument=_allow("Own", "sqs:SendMessage"))
    iam.put_group_policy(GroupName=f"writers-{unique}", PolicyName="no-deletes", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}))
    answer = iam.simulate_principal_policy(
        PolicySourceArn=user["Arn"], ActionNames=["s3:GetObject", "s3:PutObject", "sqs:SendMessage",
                                                  "s3:DeleteObject", "dynamodb:PutItem"])
    results = _by_action(answer["EvaluationResults"])
    assert {a: r["EvalDecision"] for a, r in results.items()} == {
        "s3:GetObject": "allowed", "s3:PutObject": "allowed", "sqs:SendMessage": "allowed",
        "s3:DeleteObject": "explicitDeny", "dynamodb:PutItem": "implicitDeny"}
    sources = {a: [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in r["MatchedStatements"]]
               for a, r in results.items()}
    assert sources["s3:GetObject"] == [(f"readers-{unique}-policy", "group")]
    assert sources["s3:PutObject"] == [(f"writers-{unique}-policy", "group")]
    assert sources["sqs:SendMessage"] == [("own", "user")]
    assert sources["s3:DeleteObject"] == [("no-deletes", "group")]


def test_principal_policy_of_a_role_is_limited_by_its_permissions_boundary(sb, unique):
    iam = boto3.client("iam")
    boundary = iam.create_policy(PolicyName=f"edge-{unique}", PolicyDocument=_allow("OnlyTables", "dynamodb:*"))
    role = iam.create_role(RoleName=f"bounded-{unique}", AssumeRolePolicyDocument=_trust(),
                           PermissionsBoundary=boundary["Policy"]["Arn"])["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="broad", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Sid": "Tables", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"},
            {"Sid": "Buckets", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    answer = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["dynamodb:PutItem",
                                                                                    "s3:GetObject"])
    results = _by_action(answer["EvaluationResults"])
    assert results["s3:GetObject"]["EvalDecision"] == "implicitDeny"  # the role allows it, the boundary does not
    assert results["dynamodb:PutItem"]["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in results["dynamodb:PutItem"]["MatchedStatements"]] \
        == [("broad", "role"), (f"edge-{unique}", "user-managed")]


def test_matched_statements_point_at_the_statement_in_the_policy_text(sb):
    policy = json.dumps(DENY_DELETE, indent=2)
    lines = policy.splitlines()
    answer = boto3.client("iam").simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:DeleteObject"])
    (matched,) = answer["EvaluationResults"][0]["MatchedStatements"]
    start, end = matched["StartPosition"], matched["EndPosition"]
    assert lines[start["Line"] - 1][start["Column"] - 1] == "{"
    assert lines[end["Line"] - 1][end["Column"] - 1] == "}"
    inside = "\n".join(lines[start["Line"] - 1:end["Line"]])
    assert '"NoDeletes"' in inside and '"Everything"' not in inside


def test_missing_context_values_name_the_keys_the_request_left_out(sb):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                       "IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})
    iam = boto3.client("iam")
    region = [{"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": ["eu-west-1"], "ContextKeyType": "string"}]
    answer = iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject", "sqs:SendMessage"],
                                        ContextEntries=region)
    results = _by_action(answer["EvaluationResults"])
    assert results["s3:GetObject"]["MissingContextValues"] == ["aws:SourceIp"]
    assert results["s3:GetObject"]["EvalDecision"] == "implicitDeny"
    assert results["sqs:SendMessage"]["MissingContextValues"] == []  # no statement concerns this action
    everything = iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"])
    assert everything["EvaluationResults"][0]["MissingContextValues"] == ["aws:RequestedRegion", "aws:SourceIp"]
