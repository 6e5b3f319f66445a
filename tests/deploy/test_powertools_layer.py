"""Powertools for AWS Lambda (Python) as a layer: a handler using it runs with the layer and fails without it.

What each utility does is checked against its documentation:
- Logger writes one JSON object per line with the Lambda context's fields
  (https://docs.powertools.aws.dev/lambda/python/latest/core/logger/);
- Metrics flushes the embedded metric format to standard output
  (https://docs.powertools.aws.dev/lambda/python/latest/core/metrics/);
- the batch processor reports only the failed SQS messages, which return to the queue
  (https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/, and for Lambda's side
  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html);
- idempotency records INPROGRESS, then COMPLETED with an expiry; a failed attempt deletes its record so it can be
  retried, and a duplicate arriving while the first is in progress is refused
  (https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/).
The public layer's name is the one AWS documents (https://docs.powertools.aws.dev/lambda/python/latest/#lambda-layer).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from lambda_course.deploy import (
    POWERTOOLS_DISTRIBUTION,
    POWERTOOLS_LAYER_NAME,
    deploy_function,
    invoke,
    layer_of_installed,
    powertools_layer,
)
from localaws.facts import value

HANDLER = '''
import os
import time

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (DynamoDBPersistenceLayer, IdempotencyConfig,
                                                         idempotent_function)

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")
processor = BatchProcessor(event_type=EventType.SQS)
config = IdempotencyConfig(event_key_jmespath="order_id")
persistence = DynamoDBPersistenceLayer(table_name=os.environ["TABLE"])


@idempotent_function(data_keyword_argument="order", persistence_store=persistence, config=config)
def ship(order):
    time.sleep(order.get("slow", 0))
    if order.get("fail_first") and order["delivery"] == "1":
        raise RuntimeError(f"order {order['order_id']} failed on its first delivery")
    logger.info("shipping", extra={"order_id": order["order_id"]})
    metrics.add_metric(name="OrdersShipped", unit=MetricUnit.Count, value=1)
    return {"shipped": order["order_id"]}


def record_handler(record: SQSRecord):
    if record.json_body.get("bad"):
        raise ValueError("not an order")
    return ship(order={**record.json_body, "delivery": record.attributes.approximate_receive_count})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    config.register_lambda_context(context)
    answer = process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                      context=context)
    for error_type, _error, _traceback in processor.exceptions:
        logger.warning("record failed", extra={"error": error_type.__name__})
    return answer
'''


def sqs_record(message_id: str, body: dict[str, Any], delivery: int = 1) -> dict[str, Any]:
    """An SQS message as Lambda hands it to a function (the fields the batch processor reads)."""
    return {"messageId": message_id, "receiptHandle": f"handle-{message_id}", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": str(delivery), "SentTimestamp": "0"},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders", "awsRegion": "us-east-1"}


def json_lines(log: str) -> list[dict[str, Any]]:
    """The log's lines that are JSON objects, decoded."""
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def items(table: str) -> list[dict[str, Any]]:
    """Every idempotency record in the table."""
    return list(boto3.client("dynamodb").scan(TableName=table)["Items"])


@pytest.fixture
def orders(sb, unique, make_id_table) -> tuple[str, str]:
    """A function using Powertools from the layer, and its idempotency table: (function name, table name)."""
    table, name = make_id_table(f"idempotency-{unique}"), f"orders-{unique}"
    deploy_function(name, HANDLER, timeout=20, environment={"TABLE": table}, layers=[powertools_layer()])
    return name, table


def test_the_layer_has_the_public_name_in_this_account_and_is_published_once(sb):
    arn = powertools_layer()
    account = boto3.client("sts").get_caller_identity()["Account"]
    assert arn.startswith(f"arn:aws:lambda:{sb.region}:{account}:layer:{POWERTOOLS_LAYER_NAME}:")
    assert powertools_layer() == arn
    versions = boto3.client("lambda").list_layer_versions(LayerName=POWERTOOLS_LAYER_NAME)["LayerVersions"]
    assert [v["LayerVersionArn"] for v in versions] == [arn]
    assert versions[0]["CompatibleRuntimes"] == ["python3.12"]
    assert versions[0]["CompatibleArchitectures"] == ["x86_64"]


def test_the_layer_holds_powertools_and_its_needs_not_the_sdk():
    names = set(zipfile.ZipFile(io.BytesIO(layer_of_installed(POWERTOOLS_DISTRIBUTION))).namelist())
    assert {"python/aws_lambda_powertools/__init__.py", "python/typing_extensions.py",
            "python/jmespath/__init__.py"} <= names
    assert not any(name.startswith(("python/boto3/", "python/botocore/", "python/pydantic/")) for name in names)


def test_without_the_layer_the_same_handler_fails_to_import(sb, unique):
    name = f"no-layer-{unique}"
    deploy_function(name, HANDLER, environment={"TABLE": "unused"})
    result = invoke(name, {"Records": []})
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"] == "Unable to import module 'app': No module named 'aws_lambda_powertools'"


def test_logger_metrics_batch_and_idempotency_run_with_the_layer(orders):
    name, table = orders
    result = invoke(name, {"Records": [sqs_record("m1", {"order_id": "o1"}), sqs_record("m2", {"bad": True}),
                                       sqs_record("m3", {"order_id": "o1"})]})
    assert result.function_error is None, result.payload
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    lines = json_lines(result.log)
    shipped = [line for line in lines if line.get("message") == "shipping"]
    assert len(shipped) == 1, "the duplicate of o1 must return the stored answer, not ship again"
    assert shipped[0]["level"] == "INFO" and shipped[0]["service"] == "orders"
    assert shipped[0]["order_id"] == "o1" and shipped[0]["function_name"] == name
    assert shipped[0]["function_request_id"] in result.log.split("START RequestId: ", 1)[1].split()[0]
    emf = [line for line in lines if "_aws" in line]
    assert len(emf) == 1 and emf[0]["OrdersShipped"] == [1.0]
    assert emf[0]["_aws"]["CloudWatchMetrics"] == [{"Namespace": "Shop", "Dimensions": [["service"]],
                                                   "Metrics": [{"Name": "OrdersShipped", "Unit": "Count"}]}]
    [record] = items(table)
    assert record["status"]["S"] == "COMPLETED" and json.loads(record["data"]["S"]) == {"shipped": "o1"}
    expiry = int(record["expiration"]["N"]) - time.time()
    assert value("powertools_idempotency_expiry_s") - 60 < expiry <= value("powertools_idempotency_expiry_s")


def test_a_failed_attempt_leaves_no_record_and_its_retry_does_the_work(orders):
    name, table = orders
    order = {"order_id": "o7", "fail_first": True}
    first = invoke(name, {"Records": [sqs_record("m1", order, delivery=1), sqs_record("m2", {"order_id": "o8"})]})
    assert first.payload == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert [item["data"]["S"] for item in items(table)] == ['{"shipped": "o8"}'], "a failed attempt is not done"
    assert [line["error"] for line in json_lines(first.log) if line.get("level") == "WARNING"] == ["RuntimeError"]
    second = invoke(name, {"Records": [sqs_record("m1", order, delivery=2)]})
    assert second.payload == {"batchItemFailures": []}
    assert [line["order_id"] for line in json_lines(second.log) if line.get("message") == "shipping"] == ["o7"]
    assert [item["status"]["S"] for item in items(table)] == ["COMPLETED", "COMPLETED"]


def test_a_batch_whose_every_record_fails_is_an_error_so_lambda_retries_it_whole(orders):
    """The batch utility raises BatchProcessingError when no record succeeded (see its page's error handling)."""
    name, table = orders
    result = invoke(name, {"Records": [sqs_record("m1", {"bad": True})]})
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "BatchProcessingError"
    assert result.payload["errorMessage"].startswith("All records failed processing.")


def test_a_duplicate_during_the_first_attempt_is_refused_while_in_progress(sb, orders):
    name, table = orders
    # Slow enough that the duplicate, which may need a cold environment of its own on a busy machine, arrives while
    # the first attempt still holds its in-progress record.
    slow = {"Records": [sqs_record("m1", {"order_id": "o9", "slow": 8})]}
    invoke(name, slow, invocation_type="Event")
    record = _eventually(lambda: next(iter(items(table)), None))
    assert record["status"]["S"] == "INPROGRESS"
    # The in-progress record expires with the invocation's remaining time, in milliseconds.
    assert time.time() * 1000 < int(record["in_progress_expiration"]["N"]) <= (time.time() + 20) * 1000
    duplicate = invoke(name, {"Records": [sqs_record("m2", {"order_id": "o9"}), sqs_record("m3", {"order_id": "p1"})]})
    assert duplicate.payload == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert [line["order_id"] for line in json_lines(duplicate.log) if line.get("message") == "shipping"] == ["p1"]
    failed = [line["error"] for line in json_lines(duplicate.log) if line.get("message") == "record failed"]
    assert failed == ["IdempotencyAlreadyInProgressError"]
    assert sb.wait_idle(timeout=30)
    assert [item["status"]["S"] for item in items(table)] == ["COMPLETED", "COMPLETED"]


def test_partial_failures_through_an_sqs_event_source_mapping(sb, orders):
    name, table = orders
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"{name}-queue", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for body in ({"order_id": "a1"}, {"order_id": "a2", "fail_first": True}):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    _eventually(lambda: {item["status"]["S"] for item in items(table)} == {"COMPLETED"} and len(items(table)) == 1)
    assert sb.wait_idle(timeout=30)
    sb.clock.advance(31)  # past the visibility timeout: only the reported message comes back
    _eventually(lambda: len(items(table)) == 2)
    assert sb.wait_idle(timeout=30)
    shipped = [line["order_id"] for line in _log_json(name) if line.get("message") == "shipping"]
    assert sorted(shipped) == ["a1", "a2"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def _log_json(name: str) -> list[dict[str, Any]]:
    """Every JSON line the function logged, from CloudWatch Logs."""
    pages = boto3.client("logs").get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{name}")
    return json_lines("\n".join(event["message"].rstrip("\n") for page in pages for event in page["events"]))


def _eventually(probe: Callable[[], Any], timeout: float = 20) -> Any:
    """Poll until probe returns something true; fail with a clear message at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {timeout} s")
