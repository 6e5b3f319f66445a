"""Standard and Express workflows differ as the Step Functions guide says, and reset stops every execution.

Pages: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from sfn_support import function, machine, start

from localaws import facts
from localaws.stepfunctions import ExecutionStillRunning, registry

ECHO = "def handler(event, context):\n    return {'echo': event}\n"


def _task(arn: str) -> dict:
    return {"StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": arn, "End": True}}}


def _waiting(seconds: int) -> dict:
    return {"StartAt": "Later", "States": {"Later": {"Type": "Wait", "Seconds": seconds, "End": True}}}


def test_an_express_execution_runs_the_function_but_keeps_no_readable_history(sb, unique):
    express = machine(f"express-{unique}", _task(function(f"echo-{unique}", ECHO)), kind="EXPRESS")
    arn = start(express, {"n": 1}, name=f"run-{unique}")
    assert f":express:express-{unique}:run-{unique}:" in arn
    result = sb.wait_for_execution(arn)
    assert result.status == "SUCCEEDED" and json.loads(result.output or "") == {"echo": {"n": 1}}
    sfn = boto3.client("stepfunctions")
    for call in (lambda: sfn.describe_execution(executionArn=arn),
                 lambda: sfn.get_execution_history(executionArn=arn)):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "InvalidArn"
    with pytest.raises(ClientError) as refused:
        sfn.list_executions(stateMachineArn=express)
    assert refused.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"


def test_a_standard_execution_is_listed_and_described(sb, unique):
    standard = machine(f"standard-{unique}", _task(function(f"echo-{unique}", ECHO)))
    arn = start(standard, {"n": 2}, name=f"run-{unique}")
    assert arn.endswith(f":execution:standard-{unique}:run-{unique}")
    assert sb.wait_for_execution(arn).status == "SUCCEEDED"
    sfn = boto3.client("stepfunctions")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"echo": {"n": 2}}
    assert [item["executionArn"] for item in sfn.list_executions(stateMachineArn=standard)["executions"]] == [arn]


def test_express_refuses_callback_integrations_that_standard_takes(sb, unique):
    """Express workflows do not support the .waitForTaskToken (or .sync) integration patterns."""
    definition = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "End": True,
        "Parameters": {"FunctionName": f"ask-{unique}", "Payload": {"token.$": "$$.Task.Token"}}}}}
    with pytest.raises(ClientError) as refused:
        machine(f"express-callback-{unique}", definition, kind="EXPRESS")
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"
    assert machine(f"standard-callback-{unique}", definition).endswith(f"standard-callback-{unique}")


def test_express_executions_end_at_five_minutes_while_standard_ones_go_on(sb, unique):
    limit = facts.value("stepfunctions_express_duration_limit_s")
    express = start(machine(f"express-wait-{unique}", _waiting(2 * limit), kind="EXPRESS"))
    standard = start(machine(f"standard-wait-{unique}", _waiting(2 * limit)))
    time.sleep(0.5)
    sb.clock.advance(limit)
    assert sb.wait_for_execution(express, timeout=10).status == "TIMED_OUT"
    with pytest.raises(ExecutionStillRunning):
        sb.wait_for_execution(standard, timeout=1)
    sb.clock.advance(limit)
    assert sb.wait_for_execution(standard, timeout=10).status == "SUCCEEDED"


def test_the_execution_timeout_of_the_definition_runs_on_the_clock(sb, unique):
    definition = dict(_waiting(600), TimeoutSeconds=60)
    arn = start(machine(f"timeout-{unique}", definition))
    time.sleep(0.5)
    sb.clock.advance(60)
    assert sb.wait_for_execution(arn, timeout=10).status == "TIMED_OUT"


def test_a_standard_name_is_used_once(sb, unique):
    """StartExecution is idempotent for the same name and input while running; otherwise ExecutionAlreadyExists."""
    waiting = machine(f"once-{unique}", _waiting(60))
    first = start(waiting, {"a": 1}, name="nightly")
    assert start(waiting, {"a": 1}, name="nightly") == first
    with pytest.raises(ClientError) as refused:
        start(waiting, {"a": 2}, name="nightly")
    assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"


def test_waiting_for_an_unknown_execution_says_what_to_pass(sb):
    with pytest.raises(KeyError, match="executionArn that start_execution returned"):
        sb.wait_for_execution("arn:aws:states:us-east-1:123456789012:execution:none:none")


def test_reset_stops_running_executions_and_forgets_them(sb, unique):
    waiting = machine(f"reset-{unique}", _waiting(3600))
    arn = start(waiting)
    time.sleep(0.5)
    with registry._lock:
        execution = registry._executions[arn]
    sb.reset()
    deadline = time.monotonic() + 10
    while registry.status_of(execution) == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert registry.status_of(execution) == "ABORTED"
    with pytest.raises(KeyError):
        sb.wait_for_execution(arn)
    with pytest.raises(ClientError):
        boto3.client("stepfunctions").describe_state_machine(stateMachineArn=waiting)
