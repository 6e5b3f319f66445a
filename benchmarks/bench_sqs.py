"""Drain 1,000 SQS messages through an event source mapping with batch size 10; print time and throughput.

The messages are sent first (SendMessageBatch, ten at a time), then the mapping is created, so the figure is
the poller's: receive, invoke, delete. Run: .venv/bin/python benchmarks/bench_sqs.py
"""

from __future__ import annotations

import time

import boto3

MESSAGES = 1000
BATCH_SIZE = 10
HANDLER = "def handler(event, context):\n    return {'batchItemFailures': []}\n"


def fill(queue_url: str) -> float:
    """Send MESSAGES messages; return the seconds it took."""
    sqs, started = boto3.client("sqs"), time.perf_counter()
    for first in range(0, MESSAGES, 10):
        entries = [{"Id": str(n), "MessageBody": f"message {n}"} for n in range(first, min(first + 10, MESSAGES))]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    return time.perf_counter() - started


def main() -> None:
    from grader import sandbox
    from grader.deploy import deploy_function

    sb = sandbox.start()
    deploy_function("bench-sqs-consumer", HANDLER)
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="bench-sqs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    send_s = fill(url)
    started = time.perf_counter()
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-sqs-consumer",
                                                        BatchSize=BATCH_SIZE)
    drained = sb.wait_idle(timeout=300)
    elapsed = time.perf_counter() - started
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    batches = [r for r in sb.sqs_poller.history if r.queue_arn == arn]
    print(f"sent {MESSAGES} messages in {send_s:.2f} s")
    print(f"drained {MESSAGES} messages in {elapsed:.2f} s: {MESSAGES / elapsed:,.0f} messages/s, "
          f"{len(batches)} batches (batch size {BATCH_SIZE}); drained={drained}, "
          f"left={left['ApproximateNumberOfMessages']}")
    sb.stop()


if __name__ == "__main__":
    main()
