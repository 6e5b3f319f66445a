"""What Lambda checks on the asynchronous paths: the function's KMS key, and the role's right to send records.

A function whose KMS key Lambda cannot use never runs, whichever way it is invoked: the Invoke API answers 502
(tests/secrets), an asynchronous event (InvocationType Event, S3, SNS, EventBridge) goes back to Lambda's queue
as any 500-series error does and is tried again until it exceeds its maximum age, and an event source mapping's
batch fails and returns to its queue.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html

Records go to destinations and dead-letter queues as the execution role, which needs sqs:SendMessage,
sns:Publish, lambda:InvokeFunction or events:PutEvents on the target; without it nothing is delivered.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from lambda_course.deploy import deploy_function, ensure_role

HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("downstream is down")
    return {"handled": event}
"""
ASYNC_LOGGER = "localaws.runtime.asynchronous"


def _queue(name: str, **attributes: str) -> tuple[str, str]:
    """A new queue's URL and ARN."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _received(url: str) -> list[dict[str, Any]]:
    return boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


def _send_event(name: str, event: dict[str, Any]) -> None:
    response = boto3.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event))
    assert response["StatusCode"] == 202


# -- the KMS key on every asynchronous path -------------------------------------------------------------------

@pytest.fixture
def keyed(sb, unique):
    """A function whose variables are encrypted with a key of its own, and a queue for its failure records."""
    kms = boto3.client("kms")
    key = kms.create_key(Description="function environment")["KeyMetadata"]
    name = f"keyed-async-{unique}"
    deploy_function(name, HANDLER, environment={"STAGE": "prod"})
    boto3.client("lambda").update_function_configuration(FunctionName=name, KMSKeyArn=key["Arn"])
    failures_url, failures_arn = _queue(f"{name}-failures")
    successes_url, successes_arn = _queue(f"{name}-successes")
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": failures_arn},
                           "OnSuccess": {"Destination": successes_arn}})
    return name, key["KeyId"], failures_url, successes_url


def _assert_aged_out(record: dict[str, Any], name: str, payload: Any) -> None:
    """The record of an event that never ran and grew older than its maximum age."""
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == payload
    assert "responseContext" not in record  # the function never ran


def _aged_out_payload(sb: Any, name: str, failures_url: str) -> Any:
    """Let a queued event outgrow its maximum age (60 s) without running; return its on-failure record's payload."""
    assert sb.wait_idle(10) and sb.runtime.environments(name) == []
    sb.clock.advance(61)
    assert sb.wait_idle(10)
    [failure] = _received(failures_url)
    record = json.loads(failure["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert sb.runtime.environments(name) == []
    return record["requestPayload"]


def test_an_event_with_a_disabled_key_never_runs_and_ages_out_to_on_failure(sb, keyed, caplog):
    name, key_id, failures_url, successes_url = keyed
    boto3.client("kms").disable_key(KeyId=key_id)
    with caplog.at_level(logging.WARNING, logger=ASYNC_LOGGER):
        _send_event(name, {"order": 1})
        assert sb.wait_idle(10)
    assert sb.runtime.environments(name) == [] and _received(failures_url) == []
    assert any("KMSDisabledException" in r.getMessage() for r in caplog.records)
    sb.clock.advance(61)
    assert sb.wait_idle(10)
    [failure] = _received(failures_url)
    _assert_aged_out(json.loads(failure["Body"]), name, {"order": 1})
    assert sb.runtime.environments(name) == [] and _received(successes_url) == []


def test_an_event_queued_while_the_key_was_disabled_runs_once_it_is_enabled(sb, keyed):
    name, key_id, failures_url, successes_url = keyed
    kms = boto3.client("kms")
    kms.disable_key(KeyId=key_id)
    _send_event(name, {"order": 2})
    assert sb.wait_idle(10) and sb.runtime.environments(name) == []
    kms.enable_key(KeyId=key_id)
    sb.clock.advance(59)  # a retry falls due within the event's age (the wait doubles, at most five minutes)
    assert sb.wait_idle(10)
    [success] = _received(successes_url)
    record = json.loads(success["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"handled": {"order": 2}}
    assert _received(failures_url) == []


def test_an_s3_notification_to_a_function_with_a_deleted_key_never_runs(sb, keyed, unique):
    name, key_id, failures_url, _successes_url = keyed
    s3, lam = boto3.client("s3"), boto3.client("lambda")
    bucket = f"keyed-uploads-{unique}"
    s3.create_bucket(Bucket=bucket)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    boto3.client("kms").schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"x")
    assert _aged_out_payload(sb, name, failures_url)["Records"][0]["s3"]["object"]["key"] == "in/a.csv"


def test_an_eventbridge_rule_to_a_function_with_a_disabled_key_never_runs(sb, keyed, unique):
    name, key_id, failures_url, _successes_url = keyed
    events, lam = boto3.client("events"), boto3.client("lambda")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    rule_arn = events.put_rule(Name=f"keyed-{unique}", EventPattern=json.dumps({"source": [f"shop.{unique}"]}))[
        "RuleArn"]
    lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule=f"keyed-{unique}", Targets=[{"Id": "fn", "Arn": arn}])
    boto3.client("kms").disable_key(KeyId=key_id)
    events.put_events(Entries=[{"Source": f"shop.{unique}", "DetailType": "order", "Detail": json.dumps({"n": 4})}])
    assert _aged_out_payload(sb, name, failures_url)["detail"] == {"n": 4}


def test_a_mapping_batch_for_a_function_with_a_disabled_key_fails_and_stays_queued(sb, keyed, unique):
    name, key_id, _failures_url, _successes_url = keyed
    url, arn = _queue(f"keyed-source-{unique}", VisibilityTimeout="30")
    boto3.client("kms").disable_key(KeyId=key_id)
    lam = boto3.client("lambda")
    uuid = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)["UUID"]
    try:
        boto3.client("sqs").send_message(QueueUrl=url, MessageBody="order 3")
        deadline = time.monotonic() + 20
        while not [r for r in list(sb.sqs_poller.history) if r.mapping_uuid == uuid]:
            assert time.monotonic() < deadline, "the poller never took the batch"
            time.sleep(0.1)
        [batch] = [r for r in list(sb.sqs_poller.history) if r.mapping_uuid == uuid]
        assert batch.outcome == "error" and sb.runtime.environments(name) == []
        counts = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"  # not deleted: back after its timeout
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


# -- the execution role's permission to deliver records ---------------------------------------------------------

def _role(name: str, statements: list[dict[str, Any]]) -> str:
    """An execution role with exactly these statements (and CloudWatch Logs, which every function gets)."""
    return ensure_role(name, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}, *statements]})


@pytest.fixture
def failing(sb, unique):
    """A function that fails, retries nothing, and runs as a role of its own: (name, role name)."""
    name = f"records-{unique}"
    role_name = f"role-{name}"
    deploy_function(name, HANDLER, role=_role(role_name, []))
    boto3.client("lambda").put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    return name, role_name


def _allow(role_name: str, action: str, resource: str) -> None:
    """Give the role `action` on `resource` (a new function invocation picks the change up)."""
    _role(role_name, [{"Effect": "Allow", "Action": action, "Resource": resource}])


def _on_failure(name: str, arn: str) -> None:
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}})


def _undelivered(caplog: Any, action: str, arn: str) -> bool:
    """Whether the sandbox logged that a record to `arn` was dropped for want of `action`."""
    return any("DestinationDeliveryFailures" in r.getMessage() and action in r.getMessage() and arn in r.getMessage()
               for r in caplog.records)


def _dropped_then_allowed(sb: Any, caplog: Any, failing: tuple[str, str], action: str, arn: str,
                          nothing_arrived: Callable[[], bool], events: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Fail events[0] while the role lacks `action` on `arn` (nothing arrives, a warning says why), then events[1]."""
    name, role_name = failing
    with caplog.at_level(logging.WARNING, logger=ASYNC_LOGGER):
        _send_event(name, events[0])
        assert sb.wait_idle(10)
    assert nothing_arrived() and _undelivered(caplog, action, arn)
    _allow(role_name, action, arn)
    _send_event(name, events[1])
    assert sb.wait_idle(10)


FAIL_TWICE = ({"fail": True}, {"fail": True})


def test_an_sqs_destination_needs_send_message(sb, failing, unique, caplog):
    url, arn = _queue(f"records-failures-{unique}")
    _on_failure(failing[0], arn)
    _dropped_then_allowed(sb, caplog, failing, "sqs:SendMessage", arn, lambda: _received(url) == [],
                          ({"fail": True, "try": 1}, {"fail": True, "try": 2}))
    [record] = _received(url)
    assert json.loads(record["Body"])["requestPayload"] == {"fail": True, "try": 2}


def test_an_sns_destination_needs_publish(sb, failing, unique, caplog):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name=f"records-{unique}")["TopicArn"]
    url, queue_arn = _queue(f"records-topic-{unique}")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    _on_failure(failing[0], topic)
    _dropped_then_allowed(sb, caplog, failing, "sns:Publish", topic, lambda: _received(url) == [], FAIL_TWICE)
    assert len(_received(url)) == 1


def test_a_lambda_destination_needs_invoke_function(sb, failing, unique, caplog):
    keeper = f"keeper-{unique}"
    keeper_arn = deploy_function(keeper, HANDLER)["FunctionArn"]
    _on_failure(failing[0], keeper_arn)
    _dropped_then_allowed(sb, caplog, failing, "lambda:InvokeFunction", keeper_arn,
                          lambda: sb.runtime.environments(keeper) == [], FAIL_TWICE)
    assert len(sb.runtime.environments(keeper)) == 1


def test_an_event_bus_destination_needs_put_events(sb, failing, unique, caplog):
    events = boto3.client("events")
    bus = f"records-{unique}"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, queue_arn = _queue(f"records-bus-{unique}")
    events.put_rule(Name="records", EventBusName=bus, EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="records", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    _on_failure(failing[0], bus_arn)
    _dropped_then_allowed(sb, caplog, failing, "events:PutEvents", bus_arn, lambda: _received(url) == [],
                          FAIL_TWICE)
    assert json.loads(_received(url)[0]["Body"])["detail-type"] == "Lambda Function Invocation Result - Failure"


def test_a_dead_letter_queue_needs_send_message_and_an_explicit_deny_wins(sb, failing, unique, caplog):
    name, role_name = failing
    url, arn = _queue(f"records-dlq-{unique}")
    boto3.client("lambda").update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": arn})
    _role(role_name, [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": arn}])
    _dropped_then_allowed(sb, caplog, failing, "sqs:SendMessage", arn, lambda: _received(url) == [],
                          ({"fail": True, "id": 1}, {"fail": True, "id": 2}))
    [dead] = _received(url)
    assert json.loads(dead["Body"]) == {"fail": True, "id": 2}
