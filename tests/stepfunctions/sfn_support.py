"""Helpers for Step Functions tests: functions to call, state machines to run them, and reading the history."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import boto3

from lambda_course.deploy import deploy_function, ensure_role

ROLE_NAME = "StepFunctionsRole"
# What the state machines of these tests may do as their role: invoke any function (localaws.stepfunctions.roles).
INVOKE_ANY = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}


def role(name: str = ROLE_NAME, policy: dict[str, Any] | None = None) -> str:
    """A role Step Functions may assume, with `policy` (by default: invoke any function) as its inline policy."""
    return ensure_role(name, policy or INVOKE_ANY, service="states.amazonaws.com")


def function(name: str, body: str, timeout: int = 3) -> str:
    """Deploy `def handler(event, context):` with `body` as its module source; returns the function's ARN."""
    return str(deploy_function(name, body, timeout=timeout)["FunctionArn"])


def machine(name: str, definition: dict[str, Any], kind: str = "STANDARD", role_arn: str | None = None) -> str:
    """Create a state machine from an ASL definition, with `role_arn` (by default `role()`); returns its ARN."""
    return str(boto3.client("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=role_arn or role(), type=kind)["stateMachineArn"])


def start(machine_arn: str, payload: Any = None, name: str | None = None) -> str:
    """Start an execution with `payload` as its input; returns the execution's ARN at once."""
    extra = {"name": name} if name else {}
    return str(boto3.client("stepfunctions").start_execution(
        stateMachineArn=machine_arn, input=json.dumps(payload or {}), **extra)["executionArn"])


def history(execution_arn: str) -> list[dict[str, Any]]:
    """Every event of the execution's history, oldest first (all its pages)."""
    pages = boto3.client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    return [event for page in pages for event in page["events"]]


def types(execution_arn: str) -> list[str]:
    """The types of the history's events, in order."""
    return [event["type"] for event in history(execution_arn)]


def wait_for_events(execution_arn: str, event_type: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Wait until the history holds `count` events of `event_type`; returns those events."""
    deadline = time.monotonic() + timeout
    while True:
        found = [event for event in history(execution_arn) if event["type"] == event_type]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"only {len(found)} {event_type} events after {timeout} s"
        time.sleep(0.1)


def seconds_between(first: dict[str, Any], second: dict[str, Any]) -> float:
    """Seconds from one history event to another, by their timestamps."""
    start_at: datetime = first["timestamp"]
    end_at: datetime = second["timestamp"]
    return (end_at - start_at).total_seconds()
