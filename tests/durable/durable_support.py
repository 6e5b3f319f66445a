"""Helpers for durable function tests: deploy a durable handler, start it, and wait on what the API reports."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3

from lambda_course.deploy import ensure_role, zip_source

SLOW = 180.0  # seconds: a cold start on a busy machine, then the SDK's first checkpoint


def deploy_durable(name: str, source: str, *, runtime: str = "python3.13", execution_timeout: int = 86400) -> None:
    """Create a function with DurableConfig, as the API model states it, running `source` as app.py."""
    boto3.client("lambda").create_function(
        FunctionName=name, Runtime=runtime, Handler="app.handler", Role=ensure_role(), Timeout=60,
        Code={"ZipFile": zip_source(source)},
        DurableConfig={"ExecutionTimeout": execution_timeout, "RetentionPeriodInDays": 1})


def start(name: str, event: Any, qualifier: str = "$LATEST") -> str:
    """Invoke asynchronously (an execution of any length) and return the execution's ARN.

    A durable function is invoked by a qualified ARN (here $LATEST unless told otherwise): Lambda refuses an
    unqualified one (https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html).
    """
    answer = boto3.client("lambda").invoke(FunctionName=name, Qualifier=qualifier, InvocationType="Event",
                                           Payload=json.dumps(event))
    assert answer["StatusCode"] == 202
    return str(answer["DurableExecutionArn"])


def wait_until(check: Callable[[], bool], what: str, timeout: float = SLOW) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def history(arn: str) -> list[dict[str, Any]]:
    """The execution's history events, read with boto3."""
    return list(boto3.client("lambda").get_durable_execution_history(DurableExecutionArn=arn)["Events"])


def event_types(arn: str) -> list[str]:
    return [event["EventType"] for event in history(arn)]


def status(arn: str) -> str:
    return str(boto3.client("lambda").get_durable_execution(DurableExecutionArn=arn)["Status"])


def finished(arn: str) -> dict[str, Any]:
    """Wait for the execution to leave RUNNING and return GetDurableExecution's answer."""
    wait_until(lambda: status(arn) != "RUNNING", f"execution {arn} to finish")
    return dict(boto3.client("lambda").get_durable_execution(DurableExecutionArn=arn))


def log_lines(name: str) -> list[str]:
    """Every line the function's environments logged so far."""
    logs = boto3.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except logs.exceptions.ResourceNotFoundException:  # no environment has started yet
        return []
    return [line for event in events for line in event["message"].splitlines()]
