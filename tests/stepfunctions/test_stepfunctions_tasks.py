"""Lambda Task states run the real handlers: results, errors, retries, catchers and timeouts as Step Functions has them.

Pages: https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html,
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
"""

from __future__ import annotations

import json

import pytest
from sfn_support import function, history, machine, seconds_between, start, types, wait_for_events

from localaws.stepfunctions import moto_patch
from localaws.stepfunctions.lambda_tasks import UNKNOWN, error_name_for

RESERVE = "def handler(event, context):\n    return {'reserved': event['item'], 'order': event['order']}\n"
CHARGE = """
class PaymentDeclined(Exception):
    pass

def handler(event, context):
    raise PaymentDeclined(f"card declined for order {event['order']}")
"""
RELEASE = "def handler(event, context):\n    return {'released': event['order'], 'because': event['error']['Error']}\n"


def _saga(unique: str) -> str:
    """Reserve, then charge (which always fails); after its retries a catcher releases the reservation."""
    reserve = function(f"reserve-{unique}", RESERVE)
    charge = function(f"charge-{unique}", CHARGE)
    release = function(f"release-{unique}", RELEASE)
    return machine(f"saga-{unique}", {
        "StartAt": "Reserve",
        "States": {
            "Reserve": {"Type": "Task", "Resource": reserve, "ResultPath": "$.reservation", "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": charge, "Next": "Done",
                       "Retry": [{"ErrorEquals": ["PaymentDeclined"], "IntervalSeconds": 30, "MaxAttempts": 2,
                                  "BackoffRate": 2.0}],
                       "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Release"}]},
            "Release": {"Type": "Task", "Resource": release, "End": True},
            "Done": {"Type": "Succeed"},
        }})


def test_saga_retries_with_backoff_on_the_clock_then_compensates(sb, unique):
    """Retry waits IntervalSeconds, then x BackoffRate; after MaxAttempts retries the Catch runs, with ResultPath."""
    arn = start(_saga(unique), {"order": "o-1", "item": "book"})
    failed = wait_for_events(arn, "LambdaFunctionFailed", 1)
    sb.clock.advance(30)  # the first retry is due IntervalSeconds after the failure
    wait_for_events(arn, "LambdaFunctionFailed", 2)
    sb.clock.advance(60)  # the second one IntervalSeconds x BackoffRate later
    result = sb.wait_for_execution(arn)
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output or "") == {"released": "o-1", "because": "PaymentDeclined"}

    events = history(arn)
    failed = [event for event in events if event["type"] == "LambdaFunctionFailed"]
    assert [event["lambdaFunctionFailedEventDetails"]["error"] for event in failed] == ["PaymentDeclined"] * 3
    cause = json.loads(failed[0]["lambdaFunctionFailedEventDetails"]["cause"])
    assert cause["errorType"] == "PaymentDeclined" and cause["errorMessage"] == "card declined for order o-1"
    scheduled = [event for event in events if event["type"] == "LambdaFunctionScheduled"]
    assert [event["lambdaFunctionScheduledEventDetails"]["resource"].rsplit(":", 1)[1] for event in scheduled] == \
        [f"reserve-{unique}"] + [f"charge-{unique}"] * 3 + [f"release-{unique}"]
    assert seconds_between(failed[0], scheduled[2]) >= 30
    assert seconds_between(failed[1], scheduled[3]) >= 60
    entered = [event["stateEnteredEventDetails"]["name"] for event in events if event["type"] == "TaskStateEntered"]
    assert entered == ["Reserve", "Charge", "Release"]
    release_input = json.loads(next(event for event in events if event["type"] == "TaskStateEntered" and
                                    event["stateEnteredEventDetails"]["name"] == "Release")
                               ["stateEnteredEventDetails"]["input"])
    assert release_input["reservation"] == {"reserved": "book", "order": "o-1"}
    assert release_input["error"]["Error"] == "PaymentDeclined"
    assert json.loads(release_input["error"]["Cause"])["errorType"] == "PaymentDeclined"
    assert types(arn)[-1] == "ExecutionSucceeded"


def _retrying(unique: str, retrier: dict) -> str:
    charge = function(f"charge-{unique}", CHARGE)
    return machine(f"retrying-{unique}", {"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": charge, "End": True,
        "Retry": [dict(retrier, ErrorEquals=["PaymentDeclined"])]}}})


def test_max_delay_seconds_caps_the_backoff(sb, unique):
    """MaxDelaySeconds: the interval grows by BackoffRate but never beyond this value."""
    arn = start(_retrying(unique, {"IntervalSeconds": 10, "BackoffRate": 10, "MaxAttempts": 2,
                                   "MaxDelaySeconds": 20}), {"order": "o-3"})
    wait_for_events(arn, "LambdaFunctionFailed", 1)
    sb.clock.advance(10)
    wait_for_events(arn, "LambdaFunctionFailed", 2)
    sb.clock.advance(20)  # not 100: the cap
    result = sb.wait_for_execution(arn, timeout=10)
    assert result.status == "FAILED" and result.error == "PaymentDeclined"
    failed = [event for event in history(arn) if event["type"] == "LambdaFunctionFailed"]
    assert len(failed) == 3 and 20 <= seconds_between(failed[1], failed[2]) < 100


def test_full_jitter_waits_at_most_the_interval(sb, unique):
    """JitterStrategy FULL draws each interval between zero and the computed one."""
    arn = start(_retrying(unique, {"IntervalSeconds": 3600, "MaxAttempts": 1, "JitterStrategy": "FULL"}),
                {"order": "o-4"})
    wait_for_events(arn, "LambdaFunctionFailed", 1)
    sb.clock.advance(3600)
    assert sb.wait_for_execution(arn, timeout=10).status == "FAILED"
    failed = [event for event in history(arn) if event["type"] == "LambdaFunctionFailed"]
    assert len(failed) == 2 and seconds_between(failed[0], failed[1]) <= 3600 + 5


def test_step_functions_refuses_to_run_without_a_sandbox():
    """Without the sandbox's clock and endpoint, executions would not run as documented: refuse loudly."""
    with pytest.raises(RuntimeError, match="sandbox.start"):
        moto_patch.install_for(None)


def test_an_uncaught_function_error_fails_the_execution_with_its_name(sb, unique):
    charge = function(f"charge-{unique}", CHARGE)
    arn = start(machine(f"charge-only-{unique}", {
        "StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": charge, "End": True}}}),
        {"order": "o-2"})
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == "PaymentDeclined"
    assert json.loads(result.cause or "")["errorMessage"] == "card declined for order o-2"
    assert types(arn)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]


def test_a_failed_state_is_reported_by_the_execution_not_as_an_error_log_line(sb, unique, caplog):
    """A notebook shows logged errors in red; a failure a Catch or the history explains is not one."""
    charge = function(f"quiet-{unique}", CHARGE)
    with caplog.at_level("ERROR"):
        arn = start(machine(f"quiet-{unique}", {
            "StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": charge, "End": True}}}),
            {"order": "o-3"})
        assert sb.wait_for_execution(arn).error == "PaymentDeclined"
    assert [record.getMessage() for record in caplog.records if record.name.startswith("moto.stepfunctions")] == []


def test_task_timeout_fails_with_states_timeout(sb, unique):
    """TimeoutSeconds: a task that runs longer fails the state with States.Timeout."""
    slow = function(f"slow-{unique}", "import time\ndef handler(event, context):\n    time.sleep(3)\n", timeout=10)
    arn = start(machine(f"timeout-{unique}", {
        "StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": slow, "TimeoutSeconds": 1, "End": True}}}))
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == "States.Timeout"
    timed_out = [event for event in history(arn) if event["type"] == "LambdaFunctionTimedOut"]
    assert [event["lambdaFunctionTimedOutEventDetails"]["error"] for event in timed_out] == ["States.Timeout"]


def test_states_task_failed_does_not_catch_a_timeout_but_states_timeout_does(sb, unique):
    """States.TaskFailed matches any error except States.Timeout (concepts-error-handling)."""
    slow = function(f"slow-{unique}", "import time\ndef handler(event, context):\n    time.sleep(3)\n", timeout=10)
    arn = start(machine(f"catch-timeout-{unique}", {
        "StartAt": "Slow", "States": {
            "Slow": {"Type": "Task", "Resource": slow, "TimeoutSeconds": 1, "End": True,
                     "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
                               {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.caught", "Next": "Right"}]},
            "Wrong": {"Type": "Fail", "Error": "Wrong"},
            "Right": {"Type": "Pass", "End": True}}}))
    result = sb.wait_for_execution(arn)
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output or "")["caught"]["Error"] == "States.Timeout"


def test_a_function_timeout_is_lambda_unknown(sb, unique):
    """A function that times out (a Lambda error, not the handler's) is reported as Lambda.Unknown."""
    slow = function(f"slow-{unique}", "import time\ndef handler(event, context):\n    time.sleep(5)\n", timeout=1)
    arn = start(machine(f"unknown-{unique}", {
        "StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": slow, "End": True}}}))
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == UNKNOWN
    assert "Task timed out after 1.00 seconds" in (result.cause or "")


def test_a_missing_function_is_the_lambda_api_error(sb, unique):
    """Errors of the Invoke call itself are reported as Lambda.<ErrorCode>."""
    missing = f"arn:aws:lambda:us-east-1:123456789012:function:missing-{unique}"
    arn = start(machine(f"missing-{unique}", {
        "StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": missing, "End": True}}}))
    result = sb.wait_for_execution(arn)
    assert result.status == "FAILED" and result.error == "Lambda.ResourceNotFoundException"


@pytest.mark.parametrize(("payload", "expected"), [
    ('{"errorType": "KeyError", "errorMessage": "x"}', "KeyError"),
    ('{"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"}', UNKNOWN),
    ('{"errorType": "Runtime.ExitError", "errorMessage": "Runtime exited"}', UNKNOWN),
    ('{"errorMessage": "no type"}', UNKNOWN),
    ('"not an object"', UNKNOWN),
    ("not json", UNKNOWN),
])
def test_error_names_for_function_errors(payload, expected):
    assert error_name_for(payload) == expected
