"""The state machine's role: Step Functions must be able to assume it, and Lambda tasks invoke as that role.

AWS Step Functions Developer Guide, "How Step Functions works with IAM"
(https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html): a state machine's role is
one that Step Functions (states.amazonaws.com) may assume, and it needs lambda:InvokeFunction to invoke a function.
"Handle Lambda service exceptions" (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html):
an error of the Lambda call itself is reported as Lambda.AWSLambdaException, which Retry and Catch can name.
"""

from __future__ import annotations

import json

import boto3
import pytest
from sfn_support import function, history, machine, role, start

from localaws.stepfunctions.roles import CANNOT_ASSUME, function_arn

HELLO = "def handler(event, context):\n    print('HANDLER RAN')\n    return {'hello': event.get('who', 'world')}\n"


def _invoke_only(arn: str) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                    "Resource": arn}]}


def _one_task(unique: str, resource: str, role_arn: str, **task: object) -> str:
    return machine(f"roles-{unique}", {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": resource, "End": True, **task}}}, role_arn=role_arn)


def _task_failure(execution_arn: str) -> dict[str, str]:
    """The error and cause of the task's failure event, whichever kind of Lambda task it was."""
    for event in history(execution_arn):
        for key in ("lambdaFunctionFailedEventDetails", "taskFailedEventDetails"):
            if key in event:
                return dict(event[key])
    raise AssertionError("the task did not fail")


def test_a_role_without_invoke_permission_fails_the_task_with_lambdas_access_denied(sb, unique):
    target = function(f"hello-{unique}", HELLO)
    other = function(f"other-{unique}", HELLO)
    role_arn = role(f"sfn-other-only-{unique}", _invoke_only(other))
    result = sb.wait_for_execution(start(_one_task(unique, target, role_arn)))
    assert result.status == "FAILED"
    assert result.error == "Lambda.AWSLambdaException"
    failure = _task_failure(result.arn)
    assert failure["error"] == "Lambda.AWSLambdaException"
    cause = failure["cause"]
    assert f"assumed-role/sfn-other-only-{unique}/" in cause
    assert f"is not authorized to perform: lambda:InvokeFunction on resource: {target}" in cause
    assert "because no identity-based policy allows the lambda:InvokeFunction action" in cause
    assert "Error Code: AccessDeniedException" in cause
    logs = boto3.client("logs")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):  # the function never ran: no log group
        logs.describe_log_streams(logGroupName=f"/aws/lambda/hello-{unique}")


def test_the_optimised_integration_is_refused_the_same_way(sb, unique):
    target = function(f"hello-{unique}", HELLO)
    role_arn = role(f"sfn-nothing-{unique}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]})
    definition = _one_task(unique, "arn:aws:states:::lambda:invoke", role_arn,
                           Parameters={"FunctionName": target, "Payload.$": "$"})
    result = sb.wait_for_execution(start(definition))
    assert result.status == "FAILED"
    assert result.error == "Lambda.AWSLambdaException"
    assert "is not authorized to perform: lambda:InvokeFunction" in _task_failure(result.arn)["cause"]


def test_catch_sees_the_refusal_like_any_task_error(sb, unique):
    target = function(f"hello-{unique}", HELLO)
    role_arn = role(f"sfn-caught-{unique}", _invoke_only(f"{target}:live"))  # an alias, not the function itself
    arn = machine(f"roles-{unique}", {"StartAt": "Call", "States": {
        "Call": {"Type": "Task", "Resource": target, "End": True,
                 "Catch": [{"ErrorEquals": ["Lambda.AWSLambdaException"], "ResultPath": "$.error",
                            "Next": "Fallback"}]},
        "Fallback": {"Type": "Pass", "End": True}}}, role_arn=role_arn)
    result = sb.wait_for_execution(start(arn, {"who": "ada"}))
    assert result.status == "SUCCEEDED"
    output = json.loads(result.output or "")
    assert output["who"] == "ada"
    assert output["error"]["Error"] == "Lambda.AWSLambdaException"
    assert "AccessDeniedException" in output["error"]["Cause"]


def test_a_role_allowed_on_the_function_runs_the_task(sb, unique):
    target = function(f"hello-{unique}", HELLO)
    role_arn = role(f"sfn-allowed-{unique}", _invoke_only(target))
    result = sb.wait_for_execution(start(_one_task(unique, target, role_arn), {"who": "grace"}))
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output or "") == {"hello": "grace"}


def test_with_iam_off_any_role_may_invoke(sb, unique):
    target = function(f"hello-{unique}", HELLO)
    role_arn = role(f"sfn-off-{unique}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    sb.enforce_iam = False
    try:
        result = sb.wait_for_execution(start(_one_task(unique, target, role_arn)))
    finally:
        sb.enforce_iam = True
    assert result.status == "SUCCEEDED"


def _refused_creation(unique: str, role_arn: str) -> dict[str, str]:
    """The error CreateStateMachine answers for `role_arn`; the state machine must not exist afterwards."""
    sfn = boto3.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ClientError) as refused:
        sfn.create_state_machine(name=f"refused-{unique}", roleArn=role_arn, definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    assert not [m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == f"refused-{unique}"]
    return dict(refused.value.response["Error"])


def test_create_state_machine_refuses_a_role_that_trusts_another_service(sb, unique):
    lambda_role = boto3.client("iam").create_role(RoleName=f"lambda-only-{unique}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    error = _refused_creation(unique, lambda_role)
    assert error["Code"] == "AccessDeniedException"
    assert CANNOT_ASSUME in error["Message"]


def test_create_state_machine_refuses_a_role_that_does_not_exist(sb, unique):
    error = _refused_creation(unique, f"arn:aws:iam::123456789012:role/missing-{unique}")
    assert error["Code"] == "AccessDeniedException"
    assert CANNOT_ASSUME in error["Message"]


def test_the_regional_service_principal_is_trusted_too(sb, unique):
    regional = f"states.{boto3.session.Session().region_name}.amazonaws.com"
    role_arn = role(f"sfn-regional-{unique}")
    boto3.client("iam").update_assume_role_policy(RoleName=f"sfn-regional-{unique}", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": regional},
                                                 "Action": "sts:AssumeRole"}]}))
    assert machine(f"regional-{unique}", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                   role_arn=role_arn).endswith(f"regional-{unique}")


def test_update_state_machine_refuses_a_role_step_functions_cannot_assume(sb, unique):
    arn = machine(f"update-{unique}", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    sfn = boto3.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ClientError) as refused:
        sfn.update_state_machine(stateMachineArn=arn, roleArn=f"arn:aws:iam::123456789012:role/missing-{unique}")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == role()


@pytest.mark.parametrize(("given", "expected"), [
    ("f", "arn:aws:lambda:eu-west-1:123456789012:function:f"),
    ("123456789012:function:f", "arn:aws:lambda:eu-west-1:123456789012:function:f"),
    ("arn:aws:lambda:eu-west-1:123456789012:function:f:live", "arn:aws:lambda:eu-west-1:123456789012:function:f:live"),
])
def test_the_invoke_is_authorised_on_the_function_as_named(given, expected):
    assert function_arn({"FunctionName": given}, "eu-west-1", "123456789012") == expected


def test_a_qualifier_parameter_names_the_alias(sb):
    assert function_arn({"FunctionName": "f", "Qualifier": "live"}, "eu-west-1", "123456789012") == \
        "arn:aws:lambda:eu-west-1:123456789012:function:f:live"
