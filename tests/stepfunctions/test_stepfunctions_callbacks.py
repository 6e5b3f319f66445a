"""`.waitForTaskToken`: the handler gets the task token and the task waits for SendTaskSuccess, or times out.

Pages: https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token,
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.Timeout: a task that
failed to send a heartbeat for longer than HeartbeatSeconds)
"""

from __future__ import annotations

import json
import time

import boto3
from sfn_support import machine, start, types

from lambda_course.deploy import deploy_function, ensure_role

ANSWER = """
import boto3, json

def handler(event, context):
    if event["answer"]:
        boto3.client("stepfunctions").send_task_success(taskToken=event["token"], output=json.dumps({"paid": True}))
    return "asked"
"""


def _asking_machine(unique: str, timeouts: dict | None = None) -> str:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "states:SendTaskSuccess", "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}
    role = ensure_role(f"answer-{unique}", policy)
    deploy_function(f"answer-{unique}", ANSWER, role=role)
    return machine(f"ask-{unique}", {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        **(timeouts or {"HeartbeatSeconds": 2, "TimeoutSeconds": 30}), "End": True,
        "Parameters": {"FunctionName": f"answer-{unique}",
                       "Payload": {"token.$": "$$.Task.Token", "answer.$": "$.answer"}}}}})


def test_a_callback_sent_by_the_handler_itself_completes_the_task(sb, unique):
    """The handler answers before its invocation has even returned: the task takes that answer."""
    result = sb.wait_for_execution(start(_asking_machine(unique), {"answer": True}))
    assert result.status == "SUCCEEDED" and json.loads(result.output or "") == {"paid": True}


def test_no_heartbeat_within_heartbeat_seconds_is_states_timeout(sb, unique):
    result = sb.wait_for_execution(start(_asking_machine(unique), {"answer": False}))
    assert result.status == "FAILED" and result.error == "States.Timeout"


def test_heartbeat_seconds_run_on_the_clock(sb, unique):
    arn = start(_asking_machine(unique, {"HeartbeatSeconds": 600, "TimeoutSeconds": 3600}), {"answer": False})
    time.sleep(2)
    assert boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    sb.clock.advance(600)
    result = sb.wait_for_execution(arn, timeout=10)
    assert result.status == "FAILED" and result.error == "States.Timeout"
    assert "TaskTimedOut" in types(arn)
