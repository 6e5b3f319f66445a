"""Concurrency limits, provisioned concurrency and asynchronous invocation, as Lambda behaves."""

from __future__ import annotations

import json
import threading

import boto3
import pytest
from botocore.config import Config

from grader.deploy import deploy_function, invoke

SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0.4))
    return "done"
"""
FLAKY = """
import boto3, os
def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=context.aws_request_id, Body=b"try")
    if event.get("fail"):
        raise RuntimeError("downstream is down")
    return {"handled": event}
"""


def _call_once(name: str) -> int:
    """Invoke with the SDK's automatic retries off, so a throttle shows as the caller first sees it."""
    client = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    return client.invoke(FunctionName=name)["StatusCode"]


def _in_parallel(count: int, call) -> list:
    results: list = []

    def run() -> None:
        try:
            results.append(call())
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            results.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_reserved_concurrency_throttles_synchronous_calls(sb, unique):
    name = f"reserved-{unique}"
    deploy_function(name, SLOW)
    client = boto3.client("lambda")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    results = _in_parallel(3, lambda: _call_once(name))
    throttled = [r for r in results if isinstance(r, Exception)]
    assert len(throttled) == 2
    error = throttled[0]
    assert error.response["Error"]["Code"] == "TooManyRequestsException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        invoke(name)


def test_account_limit_throttles_unreserved_functions(sb, unique):
    name = f"account-{unique}"
    deploy_function(name, SLOW)
    sb.wait_idle(10)  # the limit is account-wide: let other tests' background work finish first
    sb.runtime.limits.account_limit = 2
    try:
        results = _in_parallel(4, lambda: _call_once(name))
    finally:
        sb.runtime.limits.account_limit = 1000
    throttled = [r for r in results if isinstance(r, Exception)]
    assert len(throttled) >= 2 and len(results) - len(throttled) <= 2  # never more than 2 ran at once
    assert {error.response["Reason"] for error in throttled} == {"ConcurrentInvocationLimitExceeded"}


def test_provisioned_concurrency_serves_without_init(sb, unique):
    name = f"provisioned-{unique}"
    client = boto3.client("lambda")
    deploy_function(name, SLOW, publish=True)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST",
                                                  ProvisionedConcurrentExecutions=1)
    put = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
    assert put["RequestedProvisionedConcurrentExecutions"] == 2
    import time

    deadline = time.time() + 10
    while client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")["Status"] != "READY":
        assert time.time() < deadline
        time.sleep(0.05)
    results = _in_parallel(3, lambda: invoke(name, {"sleep": 0.4}, qualifier="live"))
    assert sorted(r.cold for r in results) == [False, False, True]  # the third spills over to on-demand
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    with pytest.raises(client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")


@pytest.fixture
def flaky(sb, unique):
    """A function that records every attempt in a bucket, and fails when the event says so."""
    name = f"flaky-{unique}"
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    s3.create_bucket(Bucket=name)
    deploy_function(name, FLAKY, environment={"BUCKET": name})
    queues = {}
    for kind in ("success", "failure", "dlq"):
        url = sqs.create_queue(QueueName=f"{name}-{kind}")["QueueUrl"]
        queues[kind] = (url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"])

    def attempts() -> int:
        return s3.list_objects_v2(Bucket=name).get("KeyCount", 0)

    def messages(kind: str) -> list[dict]:
        got = sqs.receive_message(QueueUrl=queues[kind][0], MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        return got.get("Messages", [])

    return name, queues, attempts, messages


def _send_event(name: str, event: dict) -> None:
    response = boto3.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event))
    assert response["StatusCode"] == 202


def test_async_retries_then_on_failure_destination(sb, flaky):
    name, queues, attempts, messages = flaky
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queues["failure"][1]},
                           "OnSuccess": {"Destination": queues["success"][1]}})
    _send_event(name, {"fail": True})
    assert sb.wait_idle(10) and attempts() == 1
    sb.clock.advance(60)  # Lambda waits a minute before the first retry
    assert sb.wait_idle(10) and attempts() == 2
    sb.clock.advance(120)  # and two more before the second
    assert sb.wait_idle(10) and attempts() == 3
    [failure] = messages("failure")
    record = json.loads(failure["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"fail": True}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "downstream is down"
    assert messages("success") == []


def test_async_success_destination(sb, flaky):
    name, queues, attempts, messages = flaky
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": queues["success"][1]}})
    _send_event(name, {"order": 7})
    assert sb.wait_idle(10)
    [success] = messages("success")
    record = json.loads(success["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"handled": {"order": 7}}


def test_no_retries_and_dead_letter_queue(sb, flaky):
    name, queues, attempts, messages = flaky
    client = boto3.client("lambda")
    client.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": queues["dlq"][1]})
    assert client.get_function_configuration(FunctionName=name)["DeadLetterConfig"]["TargetArn"] == queues["dlq"][1]
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    _send_event(name, {"fail": True, "id": 1})
    assert sb.wait_idle(10)
    [dead] = messages("dlq")
    assert json.loads(dead["Body"]) == {"fail": True, "id": 1}
    assert dead["MessageAttributes"]["ErrorMessage"]["StringValue"] == "downstream is down"
    assert attempts() == 1


def test_old_events_are_dropped(sb, flaky):
    name, queues, attempts, messages = flaky
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60, MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queues["failure"][1]}})
    _send_event(name, {"fail": True})
    assert sb.wait_idle(10)
    sb.clock.advance(61)  # the retry is due, but the event is now older than its maximum age
    assert sb.wait_idle(10)
    assert attempts() == 1
    [failure] = messages("failure")
    assert json.loads(failure["Body"])["requestContext"]["condition"] == "EventAgeExceeded"


def test_throttled_async_event_waits_and_runs(sb, flaky):
    name, queues, attempts, messages = flaky
    client = boto3.client("lambda")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    _send_event(name, {"ok": True})
    assert sb.wait_idle(10) and attempts() == 0
    client.delete_function_concurrency(FunctionName=name)
    sb.clock.advance(1)
    assert sb.wait_idle(10) and attempts() == 1


def test_idle_environments_make_room_at_the_machine_cap(sb, unique, monkeypatch):
    from grader.runtime import service

    sb.runtime.stop_all()
    monkeypatch.setattr(service, "MAX_ENVIRONMENTS", 2)
    for i in range(3):  # a third function needs an environment: the longest-idle one is reclaimed
        deploy_function(f"cap-{i}-{unique}", "def handler(e, c):\n    return 1\n")
        assert invoke(f"cap-{i}-{unique}").payload == 1
    assert sb.runtime.environments(f"cap-0-{unique}") == []
    assert len(sb.runtime.environments()) == 2
