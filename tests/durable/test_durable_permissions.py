"""A durable function checkpoints as its execution role, which needs the durable execution permissions.

Lambda Developer Guide, "Security and permissions for Lambda durable functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html): the execution role needs
lambda:CheckpointDurableExecution and lambda:GetDurableExecutionState (the AWSLambdaBasicDurableExecutionRolePolicy
managed policy grants them), authorised against the durable execution's ARN. Without them the SDK's checkpoint
call is denied and the execution fails
without completing a step.
"""

from __future__ import annotations

import json

import boto3
from durable_support import event_types, finished, start

from lambda_course.deploy import ensure_role, zip_source

ONE_STEP = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _: "done", name="only")
'''
LOGS = {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*"}
DURABLE_ACTIONS = ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


def durable_on(resource: str) -> dict[str, object]:
    return {"Effect": "Allow", "Action": DURABLE_ACTIONS, "Resource": resource}


def deploy_with_role(name: str, statements: list[dict[str, object]]) -> None:
    role = ensure_role(f"{name}-role", {"Version": "2012-10-17", "Statement": statements})
    boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.13", Handler="app.handler", Role=role, Timeout=60,
        Code={"ZipFile": zip_source(ONE_STEP)}, DurableConfig={"ExecutionTimeout": 3600, "RetentionPeriodInDays": 1})


def test_a_role_allowed_on_the_functions_executions_completes_the_execution(sb, unique):
    """The guide's least-privilege policy: the function's ARN with `:*`, which matches its executions' ARNs."""
    name = f"durable-allowed-{unique}"
    deploy_with_role(name, [LOGS, durable_on(FUNCTION_ARN.format(name=name) + ":*")])
    answer = boto3.client("lambda").invoke(FunctionName=name, Qualifier="$LATEST", Payload=b"{}")
    assert json.loads(answer["Payload"].read()) == "done"


def test_a_role_allowed_on_the_unqualified_function_arn_is_denied(sb, unique):
    """The guide: an unqualified function ARN never matches a durable execution ARN, so Lambda denies."""
    name = f"durable-unqualified-{unique}"
    deploy_with_role(name, [LOGS, durable_on(FUNCTION_ARN.format(name=name))])
    details = finished(start(name, {}))
    assert details["Status"] == "FAILED"
    assert f"on resource: {details['DurableExecutionArn']}" in details["Error"]["ErrorMessage"]


def test_a_role_without_them_cannot_checkpoint_and_the_execution_fails(sb, unique):
    name = f"durable-denied-{unique}"
    deploy_with_role(name, [LOGS])
    details = finished(start(name, {}))
    assert details["Status"] == "FAILED"  # the SDK gives up on a checkpoint the service refuses
    assert "AccessDeniedException" in details["Error"]["ErrorMessage"]
    assert "is not authorized to perform: lambda:CheckpointDurableExecution" in details["Error"]["ErrorMessage"]
    assert "StepSucceeded" not in event_types(details["DurableExecutionArn"])
