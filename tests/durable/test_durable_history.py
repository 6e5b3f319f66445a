"""GetDurableExecutionHistory's event details, as Lambda's API gives them.

Lambda API Reference, "GetDurableExecutionHistory"
(https://docs.aws.amazon.com/lambda/latest/api/API_GetDurableExecutionHistory.html) and its "Event" shapes
(https://docs.aws.amazon.com/lambda/latest/api/API_Event.html), as botocore's Lambda model states them:
- InvocationCompletedDetails: StartTimestamp, EndTimestamp and RequestId (required), and Error for an invocation
  that failed (https://docs.aws.amazon.com/lambda/latest/api/API_InvocationCompletedDetails.html);
- StepSucceededDetails: Result and RetryDetails, both required
  (https://docs.aws.amazon.com/lambda/latest/api/API_StepSucceededDetails.html), the attempt that succeeded in
  RetryDetails.CurrentAttempt;
- CallbackStartedDetails: CallbackId, HeartbeatTimeout and Timeout
  (https://docs.aws.amazon.com/lambda/latest/api/API_CallbackStartedDetails.html).
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from durable_support import deploy_durable, event_types, finished, start, status, wait_until

RETRIED_STEP = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=Duration.from_seconds(30), max_delay=Duration.from_seconds(30), backoff_rate=1,
    jitter_strategy=JitterStrategy.NONE)))


def reserve(step_context):
    if step_context.attempt < 2:
        raise TimeoutError("stock service slow")
    return "reserved"


@durable_execution
def handler(event, context: DurableContext):
    first = context.step(lambda _: "checked", name="check")
    return [first, context.step(reserve, name="reserve", config=RETRY)]
'''

CALLBACK = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    approval = context.create_callback(name="approval", config=CallbackConfig(
        timeout=Duration.from_minutes(10), heartbeat_timeout=Duration.from_minutes(2)))
    no_limits = context.create_callback(name="no-limits")
    return [approval.result(), no_limits.result()]
'''

POLLING = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitStrategyConfig, create_wait_strategy


@durable_execution
def handler(event, context: DurableContext):
    strategy = create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=lambda shipped: shipped < 3, initial_delay=Duration.from_seconds(20),
        backoff_rate=1, jitter_strategy=JitterStrategy.NONE))
    return context.wait_for_condition(check=lambda shipped, _check: shipped + 1,
                                      config=WaitForConditionConfig(wait_strategy=strategy, initial_state=0))
'''

CRASHING_STEP = '''
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryPresets

ONCE = StepConfig(retry_strategy=RetryPresets.none(), step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)


def crash(_step_context):
    os._exit(3)  # the process dies mid-step, as an out-of-memory kill would end it


@durable_execution
def handler(event, context: DurableContext):
    return context.step(crash, name="crash", config=ONCE)
'''


def full_history(arn: str) -> list[dict[str, Any]]:
    """Every event of the execution, with its data."""
    answer = boto3.client("lambda").get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)
    return list(answer["Events"])


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [event for event in events if event["EventType"] == event_type]


def advance_until_done(sb: Any, arn: str, seconds: float, timeout: float = 180.0) -> dict[str, Any]:
    """Move the sandbox clock `seconds` at a time until the execution ends; its GetDurableExecution answer.

    As any poller of a running execution does, it moves the clock again when nothing has happened for a while: on
    a busy machine the engine may schedule the next check only after a move it was meant to follow.
    """
    deadline = time.monotonic() + timeout
    while status(arn) == "RUNNING":
        assert time.monotonic() < deadline, f"the execution {arn} was still running after {timeout:g} s"
        seen = len(full_history(arn))
        sb.clock.advance(seconds)
        quiet = time.monotonic() + 5
        while len(full_history(arn)) == seen and status(arn) == "RUNNING" and time.monotonic() < quiet:
            time.sleep(0.05)
    return finished(arn)


def test_each_invocation_has_its_times_and_request_id_and_a_retried_step_its_attempt(sb, unique):
    name = f"durable-history-retry-{unique}"
    deploy_durable(name, RETRIED_STEP)
    arn = start(name, {})
    wait_until(lambda: "StepFailed" in event_types(arn), "the first attempt to fail")
    details = advance_until_done(sb, arn, 30)
    assert details["Status"] == "SUCCEEDED" and json.loads(details["Result"]) == ["checked", "reserved"]
    events = full_history(arn)
    invocations = [event["InvocationCompletedDetails"] for event in of_type(events, "InvocationCompleted")]
    assert len(invocations) == 2  # suspended for the retry's delay, then re-invoked
    assert all(done["StartTimestamp"] <= done["EndTimestamp"] for done in invocations)
    assert len({done["RequestId"] for done in invocations}) == 2 and all("Error" not in done for done in invocations)
    succeeded = {event["Name"]: event["StepSucceededDetails"] for event in of_type(events, "StepSucceeded")}
    assert succeeded["check"]["RetryDetails"] == {"CurrentAttempt": 1}
    assert succeeded["reserve"]["RetryDetails"] == {"CurrentAttempt": 2}
    assert succeeded["reserve"]["Result"] == {"Payload": '"reserved"', "Truncated": False}


def test_history_pages_follow_the_marker_and_give_the_same_events(sb, unique):
    name = f"durable-history-pages-{unique}"
    deploy_durable(name, RETRIED_STEP)
    arn = start(name, {})
    wait_until(lambda: "StepFailed" in event_types(arn), "the first attempt to fail")
    advance_until_done(sb, arn, 30)
    whole, paged, marker = full_history(arn), [], None
    client = boto3.client("lambda")
    while True:
        answer = client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True, MaxItems=3,
                                                      **({"Marker": marker} if marker else {}))
        assert len(answer["Events"]) <= 3
        paged += answer["Events"]
        marker = answer.get("NextMarker")
        if not marker:
            break
    assert paged == whole
    assert [event["EventId"] for event in whole] == list(range(1, len(whole) + 1))
    backwards = client.get_durable_execution_history(DurableExecutionArn=arn, ReverseOrder=True, MaxItems=2)
    assert [event["EventId"] for event in backwards["Events"]] == [len(whole), len(whole) - 1]


def test_a_callback_started_event_gives_the_timeouts_its_handler_set(sb, unique):
    name = f"durable-history-callback-{unique}"
    deploy_durable(name, CALLBACK)
    arn = start(name, {})
    wait_until(lambda: event_types(arn).count("CallbackStarted") == 2, "both callbacks to start")
    started = {event["Name"]: event["CallbackStartedDetails"] for event in of_type(full_history(arn),
                                                                                   "CallbackStarted")}
    assert started["approval"]["Timeout"] == 600 and started["approval"]["HeartbeatTimeout"] == 120
    assert "Timeout" not in started["no-limits"] and "HeartbeatTimeout" not in started["no-limits"]  # none set
    assert all(details["CallbackId"] for details in started.values())
    boto3.client("lambda").stop_durable_execution(DurableExecutionArn=arn)


def test_each_check_of_a_wait_for_condition_records_its_state_and_the_delay_before_the_next(sb, unique):
    name = f"durable-history-polling-{unique}"
    deploy_durable(name, POLLING)
    arn = start(name, {})
    wait_until(lambda: "StepSucceeded" in event_types(arn), "the first check")
    details = advance_until_done(sb, arn, 20)
    assert details["Status"] == "SUCCEEDED" and json.loads(details["Result"]) == 3
    checks = [event["StepSucceededDetails"] for event in of_type(full_history(arn), "StepSucceeded")]
    assert [check["Result"]["Payload"] for check in checks] == ["1", "2", "3"]
    assert [check["RetryDetails"].get("NextAttemptDelaySeconds") for check in checks] == [20, 20, None]
    assert [check["RetryDetails"]["CurrentAttempt"] for check in checks] == [1, 2, 3]


def test_a_crashed_invocation_is_recorded_with_lambdas_error(sb, unique):
    """The process exits mid-step: that invocation ends with Runtime.ExitError; the next finds the step interrupted
    and, with no retries allowed, fails it."""
    name = f"durable-history-crash-{unique}"
    deploy_durable(name, CRASHING_STEP)
    arn = start(name, {})
    wait_until(lambda: "InvocationCompleted" in event_types(arn), "the crashed invocation")
    details = advance_until_done(sb, arn, 5)  # the service re-invokes after a crash a few seconds later
    assert details["Status"] == "FAILED"
    events = full_history(arn)
    assert [event["EventType"] for event in events][1:4] == ["StepStarted", "InvocationCompleted", "StepFailed"]
    crashed, last = (event["InvocationCompletedDetails"] for event in of_type(events, "InvocationCompleted"))
    assert crashed["Error"]["Payload"]["ErrorType"] == "Runtime.ExitError"
    assert crashed["Error"]["Payload"]["ErrorMessage"]
    assert "Error" not in last
