"""Helpers for EventBridge tests: what a learner does on AWS to let a rule invoke a function."""

from __future__ import annotations

import uuid

import boto3


def allow_rule(function_arn: str, rule_arn: str) -> None:
    """Grant events.amazonaws.com lambda:InvokeFunction on the function for this rule only (AddPermission)."""
    boto3.client("lambda").add_permission(
        FunctionName=function_arn, StatementId=f"events-{uuid.uuid4().hex[:8]}", Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=rule_arn)
