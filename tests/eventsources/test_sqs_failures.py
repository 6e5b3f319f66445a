"""After the invocation: success deletes, an error or a throttle leaves messages to reappear, partial answers."""

from __future__ import annotations

import boto3
import pytest
from sqs_support import QUICK_RETRY, bodies, eventually, history, logged_batches, map_queue

FAIL_FIRST_TIME = """
def handler(event, context):
    started = time.time()
    first = any(r["attributes"]["ApproximateReceiveCount"] == "1" for r in event["Records"])
    log_batch(event, started, failed=first)
    if first:
        raise RuntimeError("first delivery fails")
"""

REPORT_BAD_ONES = """
def handler(event, context):
    log_batch(event, time.time())
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                  if r["body"].startswith("bad") and r["attributes"]["ApproximateReceiveCount"] == "1"]}
"""


def test_function_error_leaves_the_batch_until_the_visibility_timeout(sb, make_queue, function):
    name, queue = function(FAIL_FIRST_TIME, timeout=1), make_queue(**QUICK_RETRY)
    queue.send("a", "b", "c")
    uuid = map_queue(queue, name)
    first, second = eventually(lambda: len(logged_batches(name)) >= 2 and logged_batches(name), timeout=10)
    assert sb.wait_idle(10)
    assert first["failed"] and not second["failed"]
    assert sorted(bodies([first])[0]) == sorted(bodies([second])[0]) == ["a", "b", "c"]
    assert {record["count"] for record in second["records"]} == {"2"}
    received = [record.started for record in history(sb, uuid)]
    assert [record.outcome for record in history(sb, uuid)] == ["function_error", "ok"]
    assert received[1] - received[0] >= 0.95  # received again only after the queue's visibility timeout
    assert queue.counts() == (0, 0)


def test_partial_batch_response_keeps_only_the_reported_messages(sb, make_queue, function):
    name, queue = function(REPORT_BAD_ONES, timeout=1), make_queue(**QUICK_RETRY)
    queue.send("ok-1", "bad-1", "ok-2", "bad-2")
    map_queue(queue, name, FunctionResponseTypes=["ReportBatchItemFailures"])
    batches = eventually(lambda: len(logged_batches(name)) >= 2 and logged_batches(name), timeout=10)
    assert sb.wait_idle(10)
    assert [sorted(batch) for batch in bodies(batches)] == [["bad-1", "bad-2", "ok-1", "ok-2"], ["bad-1", "bad-2"]]
    assert {record["count"] for record in batches[1]["records"]} == {"2"}
    assert queue.counts() == (0, 0)


@pytest.mark.parametrize("failures", [
    '[{"itemIdentifier": "not-a-message-of-this-batch"}]',
    '[{"messageId": event["Records"][0]["messageId"]}]',
], ids=["unknown-id", "wrong-key"])
def test_malformed_partial_response_fails_the_whole_batch(sb, make_queue, function, failures):
    handler = ("def handler(event, context):\n    log_batch(event, time.time())\n"
               "    if event['Records'][0]['attributes']['ApproximateReceiveCount'] == '1':\n"
               f"        return {{'batchItemFailures': {failures}}}\n")
    name, queue = function(handler, timeout=1), make_queue(**QUICK_RETRY)
    queue.send("x", "y")
    map_queue(queue, name, FunctionResponseTypes=["ReportBatchItemFailures"])
    batches = eventually(lambda: len(logged_batches(name)) >= 2 and logged_batches(name), timeout=10)
    assert sb.wait_idle(10)
    assert [sorted(batch) for batch in bodies(batches)] == [["x", "y"], ["x", "y"]]
    assert queue.counts() == (0, 0)


def test_partial_response_is_ignored_without_report_batch_item_failures(sb, make_queue, function):
    name, queue = function(REPORT_BAD_ONES), make_queue(VisibilityTimeout="30")
    queue.send("ok-1", "bad-1")
    uuid = map_queue(queue, name)
    assert sb.wait_idle(10)
    assert queue.counts() == (0, 0)  # deleted, not waiting in flight
    assert len(logged_batches(name)) == 1
    assert [record.outcome for record in history(sb, uuid)] == ["ok"]


def test_throttled_batches_return_to_the_queue(sb, make_queue, function):
    name, queue = function("def handler(event, context):\n    log_batch(event, time.time())\n", timeout=1), make_queue(
        **QUICK_RETRY)
    client = boto3.client("lambda")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    queue.send("p", "q")
    uuid = map_queue(queue, name)
    eventually(lambda: history(sb, uuid), timeout=5)
    assert history(sb, uuid)[0].outcome == "throttled"
    assert logged_batches(name) == []
    assert queue.counts() == (0, 2)  # not deleted: in flight until the visibility timeout ends
    client.delete_function_concurrency(FunctionName=name)
    batches = eventually(lambda: logged_batches(name), timeout=10)
    assert sb.wait_idle(10)
    assert sorted(bodies(batches)[0]) == ["p", "q"]
    assert {record["count"] for record in batches[0]["records"]} == {"2"}
    assert queue.counts() == (0, 0)
