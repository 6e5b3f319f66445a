"""Concurrency limits, provisioned concurrency and asynchronous invocation, as Lambda behaves."""

from __future__ import annotations

import json
import re
import threading

import boto3
import pytest
from botocore.config import Config

from lambda_course.deploy import deploy_function, invoke
from localaws.facts import value

SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0.4))
    return "done"
"""
FLAKY = """
import boto3, os, uuid
def handler(event, context):  # one object per attempt; a retry keeps the request id, so the key adds a uuid
    key = f"{context.aws_request_id}/{uuid.uuid4()}"
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=key, Body=b"try")
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
    previous = sb.set_account_concurrency(2)
    try:
        assert boto3.client("lambda").get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 2
        results = _in_parallel(4, lambda: _call_once(name))
    finally:
        sb.set_account_concurrency(previous)
    assert sb.account_concurrency == previous
    throttled = [r for r in results if isinstance(r, Exception)]
    assert len(throttled) >= 2 and len(results) - len(throttled) <= 2  # never more than 2 ran at once
    assert {error.response["Reason"] for error in throttled} == {"ConcurrentInvocationLimitExceeded"}


def test_account_settings_report_the_limit_and_the_unreserved_pool(sb, unique):
    client = boto3.client("lambda")
    name = f"settings-{unique}"
    deploy_function(name, SLOW)
    previous = sb.set_account_concurrency(600)
    try:
        before = client.get_account_settings()
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=50)
        after = client.get_account_settings()
    finally:
        client.delete_function_concurrency(FunctionName=name)
        sb.set_account_concurrency(previous)
    assert before["AccountLimit"]["ConcurrentExecutions"] == after["AccountLimit"]["ConcurrentExecutions"] == 600
    unreserved = before["AccountLimit"]["UnreservedConcurrentExecutions"]
    assert after["AccountLimit"]["UnreservedConcurrentExecutions"] == unreserved - 50
    assert before["AccountLimit"]["CodeSizeZipped"] == value("package_zip_direct_mb") * 1024 * 1024
    assert after["AccountUsage"]["FunctionCount"] >= 1 and after["AccountUsage"]["TotalCodeSize"] > 0
    assert client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == previous


def test_reservation_must_leave_the_unreserved_minimum(sb, unique):
    client = boto3.client("lambda")
    name = f"greedy-{unique}"
    deploy_function(name, SLOW)
    minimum = value("unreserved_concurrency_minimum")
    previous = sb.set_account_concurrency(300)
    try:
        unreserved = client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
        with pytest.raises(client.exceptions.InvalidParameterValueException) as refused:
            client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=unreserved - minimum + 1)
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=unreserved - minimum)
        assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == \
            unreserved - minimum
    finally:
        client.delete_function_concurrency(FunctionName=name)
        sb.set_account_concurrency(previous)
    assert refused.value.response["Error"]["Message"] == (
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
        f"below its minimum value of [{minimum}].")


def test_account_limit_must_be_a_positive_whole_number(sb):
    for wrong in (0, -5, 2.5, "10"):
        with pytest.raises(ValueError, match="at least 1"):
            sb.set_account_concurrency(wrong)


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
    # a timeout far above its work: on a loaded machine a cold boto3 client alone can take seconds, and these tests
    # are about what happens to an error the handler raises, never about a timeout
    deploy_function(name, FLAKY, environment={"BUCKET": name}, timeout=30)
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


def test_dead_letter_request_id_is_the_failed_invocations_own(sb, flaky):
    """The DLQ message's RequestID attribute is the id the failed invocation logged under and the 202 named.

    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq
    """
    name, queues, attempts, messages = flaky
    client = boto3.client("lambda")
    client.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": queues["dlq"][1]})
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    answer = client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    assert answer["StatusCode"] == 202
    assert sb.wait_idle(10) and attempts() == 1
    [dead] = messages("dlq")
    attributes = {key: item["StringValue"] for key, item in dead["MessageAttributes"].items()}
    assert set(attributes) == {"RequestID", "ErrorCode", "ErrorMessage"}
    assert attributes["ErrorCode"] == "200" and attributes["ErrorMessage"] == "downstream is down"
    events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    logged = {match.group(2) for event in events
              if (match := re.match(r"(START|END|REPORT) RequestId: ([0-9a-f-]{36})", event["message"]))}
    assert logged == {attributes["RequestID"]} == {answer["ResponseMetadata"]["RequestId"]}


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
    from localaws.runtime import service

    sb.runtime.stop_all()
    monkeypatch.setattr(service, "MAX_ENVIRONMENTS", 2)
    for i in range(3):  # a third function needs an environment: the longest-idle one is reclaimed
        deploy_function(f"cap-{i}-{unique}", "def handler(e, c):\n    return 1\n")
        assert invoke(f"cap-{i}-{unique}").payload == 1
    assert sb.runtime.environments(f"cap-0-{unique}") == []
    assert len(sb.runtime.environments()) == 2


def test_default_is_two_retries(sb, flaky):
    name, _queues, attempts, _messages = flaky  # no event invoke config at all
    _send_event(name, {"fail": True})
    assert sb.wait_idle(10) and attempts() == 1
    sb.clock.advance(60)
    assert sb.wait_idle(10) and attempts() == 2
    sb.clock.advance(120)
    assert sb.wait_idle(10) and attempts() == 3
    sb.clock.advance(3600)  # nothing more is due
    assert sb.wait_idle(10) and attempts() == 1 + value("async_retries_default")


def test_retries_keep_the_request_id_of_the_202(sb, flaky):
    """Lambda's retries of an asynchronous event run under the request id the Invoke answer named.

    https://repost.aws/knowledge-center/lambda-function-duplicate-invocations
    """
    name, _queues, attempts, _messages = flaky
    answer = boto3.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    assert sb.wait_idle(10) and attempts() == 1
    sb.clock.advance(60)
    assert sb.wait_idle(10) and attempts() == 2
    listed = boto3.client("s3").list_objects_v2(Bucket=name)["Contents"]
    assert {item["Key"].split("/")[0] for item in listed} == {answer["ResponseMetadata"]["RequestId"]}


def _subscribed_queue(sb, unique: str) -> tuple[str, str, str]:
    """A topic with an SQS subscription: (topic ARN, queue URL, queue ARN)."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name=f"results-{unique}")["TopicArn"]
    url = sqs.create_queue(QueueName=f"results-{unique}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url, arn


def _received(url: str) -> list[dict]:
    return boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


def _assert_failure_record(record: dict, name: str, payload: dict) -> None:
    """The invocation record Lambda documents for a failed asynchronous invocation."""
    assert set(record) == {"version", "timestamp", "requestContext", "requestPayload", "responseContext",
                           "responsePayload"}
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    context = record["requestContext"]
    assert set(context) == {"requestId", "functionArn", "condition", "approximateInvokeCount"}
    assert context["functionArn"].endswith(f":function:{name}:$LATEST")
    assert context["condition"] == "RetriesExhausted" and context["approximateInvokeCount"] == 1
    assert record["requestPayload"] == payload
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "downstream is down"


def test_on_failure_destination_sns_topic(sb, flaky, unique):
    name, _queues, _attempts, _messages = flaky
    topic, url, _ = _subscribed_queue(sb, unique)
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": topic}})
    _send_event(name, {"fail": True, "order": 3})
    assert sb.wait_idle(10)
    [message] = _received(url)
    envelope = json.loads(message["Body"])
    assert envelope["TopicArn"] == topic
    _assert_failure_record(json.loads(envelope["Message"]), name, {"fail": True, "order": 3})


RECORD_KEEPER = """
import boto3, json, os
def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key="record", Body=json.dumps(event))
"""


def test_on_success_destination_lambda_function(sb, flaky, unique):
    name, _queues, _attempts, _messages = flaky
    keeper = f"keeper-{unique}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=keeper)
    keeper_arn = deploy_function(keeper, RECORD_KEEPER, environment={"BUCKET": keeper})["FunctionArn"]
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": keeper_arn}})
    _send_event(name, {"order": 9})
    assert sb.wait_idle(10)
    record = json.loads(s3.get_object(Bucket=keeper, Key="record")["Body"].read())
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"order": 9}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"handled": {"order": 9}}


@pytest.mark.parametrize(("event", "outcome"), [({"fail": True}, "Failure"), ({"ok": 1}, "Success")])
def test_destination_event_bus(sb, flaky, unique, event, outcome):
    name, _queues, _attempts, _messages = flaky
    sqs, events = boto3.client("sqs"), boto3.client("events")
    bus = f"results-{unique}"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url = sqs.create_queue(QueueName=f"bus-results-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="results", EventBusName=bus, EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="results", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    key = "OnFailure" if outcome == "Failure" else "OnSuccess"
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={key: {"Destination": bus_arn}})
    _send_event(name, event)
    assert sb.wait_idle(10)
    [message] = _received(url)
    delivered = json.loads(message["Body"])
    assert delivered["source"] == "lambda"
    assert delivered["detail-type"] == f"Lambda Function Invocation Result - {outcome}"
    function_arn = delivered["detail"]["requestContext"]["functionArn"]
    assert delivered["resources"] == [bus_arn, function_arn]
    if outcome == "Failure":
        _assert_failure_record(delivered["detail"], name, event)
    else:
        assert delivered["detail"]["requestContext"]["condition"] == "Success"
        assert delivered["detail"]["responsePayload"] == {"handled": event}
