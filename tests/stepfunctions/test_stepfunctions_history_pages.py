"""GetExecutionHistory pages and orders the history as Step Functions does.

https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html: events are in
ascending order of their timestamp unless reverseOrder is true; maxResults (default 100, at most 1000, 0 meaning
the default) caps a page; a nextToken is returned while more events remain.
"""

from __future__ import annotations

import boto3
import pytest
import sfn_support as sfn
from botocore.exceptions import ClientError

PASSES = {"StartAt": "P0", "States": {f"P{n}": {"Type": "Pass", **({"Next": f"P{n + 1}"} if n < 59 else {"End": True})}
                                      for n in range(60)}}


@pytest.fixture
def finished(sb, unique) -> str:
    """The ARN of an execution of sixty Pass states that has ended: over a hundred events."""
    arn = sfn.start(sfn.machine(f"passes-{unique}", PASSES))
    sb.wait_for_execution(arn)
    return arn


def test_reverse_order_puts_the_latest_event_first(finished):
    client = boto3.client("stepfunctions")
    latest = client.get_execution_history(executionArn=finished, reverseOrder=True, maxResults=1)
    assert [event["type"] for event in latest["events"]] == ["ExecutionSucceeded"]
    forward = sfn.history(finished)
    backward = [e for page in client.get_paginator("get_execution_history").paginate(
        executionArn=finished, reverseOrder=True) for e in page["events"]]
    assert [e["id"] for e in backward] == [e["id"] for e in reversed(forward)]


def test_pages_hold_a_hundred_events_by_default_and_a_token_leads_to_the_rest(finished):
    client = boto3.client("stepfunctions")
    first = client.get_execution_history(executionArn=finished)
    assert len(first["events"]) == 100 and "nextToken" in first
    rest = client.get_execution_history(executionArn=finished, nextToken=first["nextToken"])
    assert "nextToken" not in rest
    ids = [e["id"] for e in first["events"] + rest["events"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) > 100
    assert len(client.get_execution_history(executionArn=finished, maxResults=7)["events"]) == 7


def test_a_page_larger_than_allowed_and_a_token_from_nowhere_are_refused(finished):
    client = boto3.client("stepfunctions")
    with pytest.raises(ClientError) as too_many:
        client.get_execution_history(executionArn=finished, maxResults=1001)
    assert too_many.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as stray:
        client.get_execution_history(executionArn=finished, nextToken="not-a-token")
    assert stray.value.response["Error"]["Code"] == "InvalidToken"
