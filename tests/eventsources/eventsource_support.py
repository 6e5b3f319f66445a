"""Helpers both the SQS and the stream mapping tests use: what a function printed, and waiting for a condition."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3


def printed(function_name: str, marker: str) -> list[dict[str, Any]]:
    """The JSON each invocation printed after `marker`, in the order the invocations started ("started" key)."""
    logs = boto3.client("logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function_name}")
        events = [event for page in pages for event in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []
    found = [json.loads(e["message"].split(marker, 1)[1]) for e in events if marker in e["message"]]
    return sorted(found, key=lambda entry: entry["started"])


def eventually(condition: Any, timeout: float = 10.0, step: float = 0.05) -> Any:
    """Poll `condition()` until it returns something truthy (returned) or timeout passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)
