"""Fixtures for the event-shape tests: a function that records every event it gets, and what it recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from lambda_course.deploy import deploy_function

# Logs each event whole, and answers an HTTP caller with it, so every trigger's event can be read back.
RECORDER = """
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
"""
ACCOUNT = "123456789012"


@dataclass
class Recorder:
    """A deployed recording function: its name and ARN, and a way to read the events it logged."""

    name: str
    arn: str
    sandbox: Any

    def events(self, expected: int | None = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The events logged so far, once the sandbox is idle; fails unless there are `expected` of them (or,
        with None, unless there is at least one)."""
        assert self.sandbox.wait_idle(timeout), "the sandbox did not finish its work in time"
        logs = boto3.client("logs")
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{self.name}")
            lines = [event["message"] for page in pages for event in page["events"]]
        except logs.exceptions.ResourceNotFoundException:
            lines = []
        found = [json.loads(line.split("EVENT ", 1)[1]) for line in lines if "EVENT " in line]
        assert len(found) == expected if expected is not None else found, (
            f"expected {expected or 'some'} events, the function logged {len(found)}")
        return found

    def grant(self, principal: str, source_arn: str) -> None:
        """AddPermission for `principal` from `source_arn`, as a learner lets a service invoke the function."""
        boto3.client("lambda").add_permission(
            FunctionName=self.name, StatementId=f"from-{principal.split('.')[0]}", Action="lambda:InvokeFunction",
            Principal=principal, SourceArn=source_arn, SourceAccount=ACCOUNT)


@pytest.fixture(autouse=True)
def default_checks(sb):
    """Each test sees the sandbox's default: triggers need the function policy's grant, as on AWS."""
    sb.set_enforce_resource_policies(None)


@pytest.fixture
def recorder(sb, unique) -> Recorder:
    """A fresh recording function for this test."""
    name = f"shapes-{unique}"
    return Recorder(name, deploy_function(name, RECORDER)["FunctionArn"], sb)


@pytest.fixture
def fresh_name(unique) -> Callable[[str], str]:
    """Names for this test's resources: `fresh_name("uploads")` -> "uploads-<unique>"."""
    return lambda stem: f"{stem}-{unique}"
