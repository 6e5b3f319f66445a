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
    assert [m["SourcePolicyId"] for m in results["s3:GetObject"]["MatchedStatements"]] == ["ResourcePolicy"]


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
        {"SourcePolicyId": f"tables-{unique}", "SourcePolicyType": "user-managed"}]
    assert results["s3:DeleteObject"]["EvalDecision"] == "explicitDeny"
    assert results["s3:DeleteObject"]["MatchedStatements"][0]["SourcePolicyId"] == "deny-deletes"
    assert results["sqs:SendMessage"]["EvalDecision"] == "implicitDeny"


def test_malformed_policy_is_rejected(sb):
    iam = boto3.client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.simulate_custom_policy(PolicyInputList=["{not json"], ActionNames=["s3:GetObject"])
