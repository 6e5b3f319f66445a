"""Drain 1,000 SQS messages through an event source mapping with batch size 10; print time and throughput.

The messages are sent first (SendMessageBatch, ten at a time), then the mapping is created, so the figure is
the poller's: receive, invoke, delete. The handler logs the message IDs of every batch it gets; afterwards the
benchmark counts them from the function's log group and checks that each message arrived exactly once and that
the queue is empty: nothing visible, nothing in flight, nothing delayed. It exits non-zero otherwise.
Run: .venv/bin/python benchmarks/bench_sqs.py
"""

from __future__ import annotations

import json
import sys
import time

import boto3

MESSAGES = 1000
BATCH_SIZE = 10
FUNCTION = "bench-sqs-consumer"
MARK = "BATCH "
HANDLER = f"""
import json
def handler(event, context):
    print({MARK!r} + json.dumps([record["messageId"] for record in event["Records"]]))
    return {{"batchItemFailures": []}}
"""
QUEUE_COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed")


def fill(queue_url: str) -> float:
    """Send MESSAGES messages; return the seconds it took."""
    sqs, started = boto3.client("sqs"), time.perf_counter()
    for first in range(0, MESSAGES, 10):
        entries = [{"Id": str(n), "MessageBody": f"message {n}"} for n in range(first, min(first + 10, MESSAGES))]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    return time.perf_counter() - started


def received_batches() -> list[list[str]]:
    """The message IDs of each batch the function logged that it received."""
    logs, batches = boto3.client("logs"), []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{FUNCTION}"):
        for event in page["events"]:
            line = event["message"].strip()
            if MARK in line:
                batches.append(json.loads(line.split(MARK, 1)[1]))
    return batches


def main() -> int:
    from lambda_course.deploy import deploy_function
    from localaws import sandbox

    sb = sandbox.start()
    deploy_function(FUNCTION, HANDLER)
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="bench-sqs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    send_s = fill(url)
    started = time.perf_counter()
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=FUNCTION,
                                                        BatchSize=BATCH_SIZE)
    drained = sb.wait_idle(timeout=300)
    elapsed = time.perf_counter() - started
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(QUEUE_COUNTS))["Attributes"]
    batches = received_batches()
    ids = [message_id for batch in batches for message_id in batch]
    sizes = sorted({len(batch) for batch in batches})
    print(f"sent {MESSAGES} messages in {send_s:.2f} s")
    print(f"drained {MESSAGES} messages in {elapsed:.2f} s: {MESSAGES / elapsed:,.0f} messages/s "
          f"(batch size {BATCH_SIZE}); drained={drained}")
    print(f"the function received {len(ids)} records ({len(set(ids))} distinct) in {len(batches)} batches "
          f"of sizes {sizes}")
    print("left on the queue: " + ", ".join(f"{name.removeprefix('ApproximateNumberOf')}={left[name]}"
                                            for name in QUEUE_COUNTS))
    sb.stop()
    problems = []
    if not drained:
        problems.append("the poller was still busy after 300 s")
    if len(ids) != MESSAGES or len(set(ids)) != MESSAGES:
        problems.append(f"expected each of {MESSAGES} messages once, got {len(ids)} records, {len(set(ids))} distinct")
    if any(int(left[name]) for name in QUEUE_COUNTS):
        problems.append("messages are left on the queue (visible, in flight or delayed)")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
