"""FIFO queues: each message group in order with one batch in flight; different groups in parallel."""

from __future__ import annotations

import boto3
from sqs_support import eventually, logged_batches, map_queue

SLOW = """
def handler(event, context):
    started = time.time()
    time.sleep(0.4)
    fail = any(r["body"] == "A1" and r["attributes"]["ApproximateReceiveCount"] == "1" for r in event["Records"])
    log_batch(event, started, failed=fail)
    if fail:
        raise RuntimeError("A1 fails once")
"""

# Longer than a cold start plus the handler's 0.4 s on a busy machine (a whole suite on two cores), so no batch is
# received again while it still runs (which would be a genuine redelivery, and not what these tests are about).
UNHURRIED = {"VisibilityTimeout": "8"}


def send_groups(queue, groups: dict[str, int]) -> None:
    sqs = boto3.client("sqs")
    for group, count in groups.items():
        for n in range(1, count + 1):
            sqs.send_message(QueueUrl=queue.url, MessageBody=f"{group}{n}", MessageGroupId=group,
                             MessageDeduplicationId=f"{group}{n}")


def per_group(batches: list[dict], group: str) -> list[dict]:
    return [batch for batch in batches if any(record["group"] == group for record in batch["records"])]


def successful_order(batches: list[dict], group: str) -> list[str]:
    return [record["body"] for batch in batches if not batch.get("failed") for record in batch["records"]
            if record["group"] == group]


def assert_one_batch_in_flight(batches: list[dict]) -> None:
    for earlier, later in zip(batches, batches[1:], strict=False):
        assert later["started"] >= earlier["ended"], (earlier, later)


def test_groups_in_order_one_batch_each_and_in_parallel(sb, make_queue, function):
    name, queue = function(SLOW.replace('r["body"] == "A1"', "False")), make_queue(fifo=True, **UNHURRIED)
    send_groups(queue, {"A": 4, "B": 4})
    map_queue(queue, name, BatchSize=2)
    assert sb.wait_idle(20)
    batches = logged_batches(name)
    for group in "AB":
        assert successful_order(batches, group) == [f"{group}1", f"{group}2", f"{group}3", f"{group}4"]
        assert_one_batch_in_flight(per_group(batches, group))
    a, b = per_group(batches, "A")[0], per_group(batches, "B")[0]
    assert a["started"] < b["ended"] and b["started"] < a["ended"]  # the two groups ran at the same time
    assert queue.counts() == (0, 0)


def test_a_failure_holds_its_group_but_not_the_others(sb, make_queue, function):
    name, queue = function(SLOW), make_queue(fifo=True, **UNHURRIED)
    send_groups(queue, {"A": 3, "B": 3})
    map_queue(queue, name, BatchSize=2)
    eventually(lambda: len(successful_order(logged_batches(name), "A")) == 3, timeout=25)
    assert sb.wait_idle(10)
    batches = logged_batches(name)
    assert successful_order(batches, "A") == ["A1", "A2", "A3"]
    assert successful_order(batches, "B") == ["B1", "B2", "B3"]
    a_batches = per_group(batches, "A")
    assert a_batches[0]["failed"] and [r["body"] for r in a_batches[0]["records"]] == ["A1", "A2"]
    assert_one_batch_in_flight(a_batches)
    assert per_group(batches, "B")[-1]["started"] < a_batches[1]["started"]  # B went on while A waited
