"""Durable functions run in the sandbox as on Lambda: checkpointed steps, replay, waits on the clock, history.

Lambda Developer Guide, "Lambda durable functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html)
and "Basic concepts" (https://docs.aws.amazon.com/lambda/latest/dg/durable-basic-concepts.html): each step's result
is checkpointed; when the function resumes after a wait it replays from the start, and completed steps return
their checkpointed result instead of running again; a wait suspends the execution, which Lambda re-invokes when the
wait ends. "Invoking durable Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-invocation.html):
an asynchronous Invoke starts an execution of any length, and the execution APIs read its status and history.
"""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from durable_support import deploy_durable, event_types, finished, log_lines, start, status, wait_until

STEP_THEN_HOUR_WAIT = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def reserve(step_context):
    print("SIDE-EFFECT reserve")
    return {"reserved": 3}


@durable_execution
def handler(event, context: DurableContext):
    print("HANDLER-RAN")
    first = context.step(lambda _: reserve(_), name="reserve")
    context.wait(Duration.from_hours(1), name="cool-off")
    second = context.step(lambda _: print("SIDE-EFFECT confirm") or event["order"], name="confirm")
    return {"first": first, "second": second}
'''
# Lambda API Reference, "Execution": the DurableExecutionArn pattern.
ARN = re.compile(r"arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+):"
                 r"(\$LATEST(?:\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)")


@pytest.fixture(scope="module")
def hour_wait(sb: Any) -> dict[str, Any]:
    """One execution through a step, a wait of an hour on the sandbox clock, and a second step."""
    name = "durable-hour-wait"
    deploy_durable(name, STEP_THEN_HOUR_WAIT)
    arn = start(name, {"order": "o-17"})
    wait_until(lambda: "WaitStarted" in event_types(arn), "the wait to start")
    seen = {"arn": arn, "name": name, "while_waiting": status(arn)}
    sb.clock.advance(3590)  # real time passes too: ten seconds short keeps the check clear of it
    seen["just_before"] = status(arn)
    sb.clock.advance(10)
    seen["details"] = finished(arn)
    seen["events"] = event_types(arn)
    return seen


def test_a_wait_of_an_hour_ends_when_the_sandbox_clock_passes_it(hour_wait):
    assert hour_wait["while_waiting"] == "RUNNING"
    assert hour_wait["just_before"] == "RUNNING"
    assert hour_wait["details"]["Status"] == "SUCCEEDED"
    assert hour_wait["details"]["Result"] == '{"first": {"reserved": 3}, "second": "o-17"}'


def test_completed_steps_are_not_run_again_when_the_execution_replays(hour_wait):
    lines = log_lines(hour_wait["name"])
    assert lines.count("HANDLER-RAN") == 2  # invoked twice: once to the wait, once replaying after it
    assert lines.count("SIDE-EFFECT reserve") == 1  # the replay took the checkpointed result
    assert lines.count("SIDE-EFFECT confirm") == 1


def test_the_history_records_each_operation(hour_wait):
    events = hour_wait["events"]
    assert events[0] == "ExecutionStarted" and events[-1] == "ExecutionSucceeded"
    for expected in ("StepStarted", "StepSucceeded", "WaitStarted", "WaitSucceeded"):
        assert expected in events
    assert events.count("StepSucceeded") == 2
    assert events.count("InvocationCompleted") == 2


def test_the_execution_and_its_steps_results_are_read_with_boto3(hour_wait):
    client = boto3.client("lambda")
    arn = hour_wait["arn"]
    assert hour_wait["details"]["InputPayload"] == '{"order": "o-17"}'
    events = client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
    results = {event["Name"]: event["StepSucceededDetails"]["Result"]["Payload"]
               for event in events if event["EventType"] == "StepSucceeded"}
    assert results["confirm"] == '"o-17"'
    assert '"reserved"' in results["reserve"]  # the SDK's own encoding of the dict the step returned
    waited = next(event for event in events if event["EventType"] == "WaitStarted")
    assert waited["Name"] == "cool-off" and waited["WaitStartedDetails"]["Duration"] == 3600
    listed = client.list_durable_executions_by_function(FunctionName=hour_wait["name"])["DurableExecutions"]
    assert [execution["DurableExecutionArn"] for execution in listed] == [arn]
    assert listed[0]["Status"] == "SUCCEEDED"


def test_executions_are_named_as_lambda_names_them(hour_wait):
    assert ARN.fullmatch(hour_wait["arn"])
    assert ":function:durable-hour-wait:$LATEST/durable-execution/" in hour_wait["arn"]
    config = boto3.client("lambda").get_function_configuration(FunctionName=hour_wait["name"])
    assert config["DurableConfig"] == {"ExecutionTimeout": 86400, "RetentionPeriodInDays": 1}
