"""A durable function deployed by a SAM template: DurableConfig reaches Lambda, and the function runs durably.

AWS SAM, "DurableConfig" (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/
sam-property-function-durableconfig.html): passed directly to AWS::Lambda::Function's DurableConfig
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-durableconfig.html),
which makes the function durable. AWS::Lambda::Function's TenancyConfig ("Update requires: Replacement",
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-tenancyconfig.html)
is passed to CreateFunction.
"""

from __future__ import annotations

import json

import boto3
import pytest
from durable_support import finished

from lambda_course.deploy import ensure_role
from lambda_course.stacks import StackFailed, delete_stack, deploy_stack


def template(retention_days: int) -> str:
    """A durable function with one step and a wait, its execution role given, and its DurableConfig."""
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  RoleArn:
    Type: String
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: !Ref RoleArn
      TenancyConfig:
        TenantIsolationMode: PER_TENANT
      DurableConfig:
        ExecutionTimeout: 3600
        RetentionPeriodInDays: {retention_days}
      InlineCode: |
        from aws_durable_execution_sdk_python import DurableContext, durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        @durable_execution
        def handler(event, context: DurableContext):
            total = context.step(lambda _: event["qty"] * 3, name="price")
            context.wait(Duration.from_seconds(1))
            return {{"total": total}}
Outputs:
  Name:
    Value: !Ref Orders
"""


def test_a_sam_function_with_durable_config_deploys_as_a_durable_function(sb, unique):
    stack = f"durable-stack-{unique}"
    name = deploy_stack(stack, template(7), {"RoleArn": ensure_role()})["Name"]
    client = boto3.client("lambda")
    assert client.get_function_configuration(FunctionName=name)["DurableConfig"] == {
        "ExecutionTimeout": 3600, "RetentionPeriodInDays": 7}
    answer = client.invoke(FunctionName=name, Qualifier="$LATEST", InvocationType="Event",
                           Payload=json.dumps({"qty": 4}))
    arn = answer["DurableExecutionArn"]  # Invoke started a durable execution, as for any durable function
    assert f":function:{name}:$LATEST/durable-execution/" in arn
    sb.clock.advance(1)
    details = finished(arn)
    assert details["Status"] == "SUCCEEDED" and json.loads(details["Result"]) == {"total": 12}
    with pytest.raises(StackFailed, match="DurableConfig"):  # refused, not silently left as it was
        deploy_stack(stack, template(30), {"RoleArn": ensure_role()})
    assert client.get_function_configuration(FunctionName=name)["DurableConfig"]["RetentionPeriodInDays"] == 7
    delete_stack(stack)


def test_a_sam_durable_function_without_a_role_gets_the_managed_durable_policy_and_runs(sb, unique):
    """SAM makes the role of a function that names none, attaching AWSLambdaBasicDurableExecutionRolePolicy to a
    durable one (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/
    AWSLambdaBasicDurableExecutionRolePolicy.html: logs, CheckpointDurableExecution, GetDurableExecutionState)."""
    without_role = template(7).replace("      Role: !Ref RoleArn\n", "").replace(
        "Parameters:\n  RoleArn:\n    Type: String\n", "")
    name = deploy_stack(f"durable-no-role-{unique}", without_role)["Name"]
    role = boto3.client("lambda").get_function_configuration(FunctionName=name)["Role"].rsplit("/", 1)[-1]
    attached = boto3.client("iam").list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert "AWSLambdaBasicDurableExecutionRolePolicy" in [policy["PolicyName"] for policy in attached]
    arn = boto3.client("lambda").invoke(FunctionName=name, Qualifier="$LATEST", InvocationType="Event",
                                        Payload=json.dumps({"qty": 2}))["DurableExecutionArn"]
    sb.clock.advance(1)
    details = finished(arn)
    assert details["Status"] == "SUCCEEDED" and json.loads(details["Result"]) == {"total": 6}
