"""Helpers for EventBridge tests: what a learner does on AWS to let a rule invoke a function."""

from __future__ import annotations

import uuid

import boto3

from lambda_course.deploy import deploy_function

RECORDER = """
import boto3, json, os
def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=context.aws_request_id, Body=json.dumps(event))
"""


def recording_function(name: str) -> str:
    """Deploy a function that stores every event it gets in a bucket of the same name; returns its ARN."""
    boto3.client("s3").create_bucket(Bucket=name)
    return deploy_function(name, RECORDER, environment={"BUCKET": name})["FunctionArn"]


def allow_rule(function_arn: str, rule_arn: str) -> None:
    """Grant events.amazonaws.com lambda:InvokeFunction on the function for this rule only (AddPermission)."""
    boto3.client("lambda").add_permission(
        FunctionName=function_arn, StatementId=f"events-{uuid.uuid4().hex[:8]}", Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=rule_arn)
