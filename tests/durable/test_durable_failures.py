"""Failures in durable functions: step retries by the SDK's strategy, a failed execution, and where the SDK comes from.

Lambda Developer Guide, "Lambda durable functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html)
and "Basic concepts" (https://docs.aws.amazon.com/lambda/latest/dg/durable-basic-concepts.html): a failing step is
retried as its retry strategy says, the delay between attempts spent suspended; an error the handler does not catch
fails the execution, with the error recorded. "Supported runtimes for durable functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-supported-runtimes.html): python3.13 and python3.14 include the
durable execution SDK; other runtimes do not, so a handler there must ship it.
"""

from __future__ import annotations

import json

import boto3
from durable_support import deploy_durable, event_types, finished, log_lines, start, status, wait_until

from lambda_course.deploy import deploy_function, invoke

FLAKY_STEP = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

TEN_MINUTES = Duration.from_minutes(10)
RETRY = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=TEN_MINUTES, max_delay=TEN_MINUTES, backoff_rate=1,
    jitter_strategy=JitterStrategy.NONE)))  # exactly ten minutes between attempts


def charge(step_context):
    if step_context.attempt < 3:
        raise ConnectionError(f"card service down on attempt {step_context.attempt}")
    return step_context.attempt


@durable_execution
def handler(event, context: DurableContext):
    return {"charged_on_attempt": context.step(charge, name="charge", config=RETRY)}
'''

FAILING = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: "checked", name="check")
    raise ValueError(f"order {event['order']} is out of stock")
'''


def test_a_failing_step_is_retried_after_its_delay_on_the_clock_and_then_succeeds(sb):
    name = "durable-flaky-step"
    deploy_durable(name, FLAKY_STEP)
    arn = start(name, {})
    for attempt in (1, 2):
        wait_until(lambda done=attempt: event_types(arn).count("StepFailed") == done, f"attempt {attempt} to fail")
        sb.clock.advance(590)
        assert event_types(arn).count("StepStarted") == attempt  # no new attempt before the ten minutes
        sb.clock.advance(10)
    details = finished(arn)
    assert details["Status"] == "SUCCEEDED"
    assert json.loads(details["Result"]) == {"charged_on_attempt": 3}
    events = event_types(arn)
    assert events.count("StepStarted") == 3 and events.count("StepFailed") == 2 and "StepSucceeded" in events


def test_an_uncaught_error_fails_the_execution_with_the_error(sb):
    name = "durable-failing"
    deploy_durable(name, FAILING)
    answer = invoke(name, {"order": "o-9"}, qualifier="$LATEST")  # synchronous: waits, answers with its error
    assert answer.function_error == "Unhandled"
    assert answer.payload["errorType"] == "ValueError"
    assert answer.payload["errorMessage"] == "order o-9 is out of stock"
    listed = boto3.client("lambda").list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    details = finished(listed[0]["DurableExecutionArn"])
    assert details["Status"] == "FAILED"
    assert details["Error"]["ErrorType"] == "ValueError"
    assert details["Error"]["ErrorMessage"] == "order o-9 is out of stock"


def test_a_synchronous_invoke_answers_with_the_result_and_names_the_execution(sb):
    name = "durable-sync"
    deploy_durable(name, FLAKY_STEP.replace("if step_context.attempt < 3:", "if False:"))
    answer = boto3.client("lambda").invoke(FunctionName=f"{name}:$LATEST", Payload=b"{}")
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"charged_on_attempt": 1}
    assert answer["DurableExecutionArn"].endswith(tuple("0123456789abcdef"))
    assert finished(answer["DurableExecutionArn"])["Status"] == "SUCCEEDED"


def test_the_sdk_comes_with_the_durable_python_runtimes_and_not_with_older_ones(sb, unique):
    uses_sdk = "import aws_durable_execution_sdk_python\n\ndef handler(event, context):\n    return 'imported'\n"
    deploy_function(f"sdk-313-{unique}", uses_sdk, runtime="python3.13")
    assert invoke(f"sdk-313-{unique}").payload == "imported"
    deploy_function(f"sdk-312-{unique}", uses_sdk, runtime="python3.12")
    result = invoke(f"sdk-312-{unique}")
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'aws_durable_execution_sdk_python'" in result.payload["errorMessage"]


def test_an_execution_through_an_alias_is_named_by_the_version_that_runs(sb):
    """An execution started through an alias has the resolved version number in its ARN: Lambda Developer Guide,
    "Security and permissions for Lambda durable functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-security.html)."""
    name = "durable-aliased"
    deploy_durable(name, FLAKY_STEP.replace("if step_context.attempt < 3:", "if False:"))
    client = boto3.client("lambda")
    version = client.publish_version(FunctionName=name)["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    answer = client.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    assert f":function:{name}:{version}/durable-execution/" in answer["DurableExecutionArn"]
    assert answer["ExecutedVersion"] == version
    assert json.loads(answer["Payload"].read()) == {"charged_on_attempt": 1}


def test_a_handler_that_cannot_start_is_retried_on_the_clock_and_then_fails_the_execution(sb):
    """An invocation that fails outside the SDK (here, at INIT) is retried, a few seconds apart, then the execution
    fails with its error (the service model's retry budget: MAX_CONSECUTIVE_FAILED_ATTEMPTS)."""
    name = "durable-broken-init"
    deploy_durable(name, "raise RuntimeError('configuration table missing')\n\ndef handler(event, context):\n"
                         "    return None\n")
    arn = start(name, {})
    starts = []
    wait_until(lambda: _tried(name) >= 1, "the first attempt")
    while status(arn) == "RUNNING":
        starts.append(_tried(name))
        sb.clock.advance(5)
        wait_until(lambda seen=starts[-1]: _tried(name) > seen or status(arn) != "RUNNING", "the next attempt")
    details = finished(arn)
    assert details["Status"] == "FAILED"
    assert "configuration table missing" in details["Error"]["ErrorMessage"]
    assert _tried(name) > 1  # retried before it failed


def _tried(name: str) -> int:
    """How many invocations of the function have started (their START lines)."""
    return sum(1 for line in log_lines(name) if line.startswith("START RequestId"))
