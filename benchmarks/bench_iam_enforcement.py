"""Added latency of IAM enforcement: a warm invoke whose handler makes five AWS calls, enforced vs not, p50.

The same function (same role, same policy) is invoked with `sb.enforce_iam` on and off, alternating so both
see the same machine load; the difference of the medians is the cost of authorising five calls.
Run: .venv/bin/python benchmarks/bench_iam_enforcement.py
"""

from __future__ import annotations

import json
import statistics
import time

import boto3

HANDLER = """
import boto3
ddb, s3, sqs = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")

def handler(event, context):
    ddb.put_item(TableName=event["table"], Item={"id": {"S": "1"}})
    ddb.get_item(TableName=event["table"], Key={"id": {"S": "1"}})
    s3.put_object(Bucket=event["bucket"], Key="k", Body=b"x")
    s3.get_object(Bucket=event["bucket"], Key="k")["Body"].read()
    sqs.send_message(QueueUrl=event["queue"], MessageBody="x")
    return {"ok": True}
"""


def _setup() -> dict[str, str]:
    from grader.deploy import deploy_function, ensure_role

    boto3.client("dynamodb").create_table(
        TableName="bench-iam", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    boto3.client("s3").create_bucket(Bucket="bench-iam")
    queue = boto3.client("sqs").create_queue(QueueName="bench-iam")["QueueUrl"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
         "Resource": "arn:aws:dynamodb:*:*:table/bench-iam"},
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::bench-iam/*"},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:bench-iam"}]}
    deploy_function("bench-iam", HANDLER, role=ensure_role("bench-iam", policy), timeout=10)
    return {"table": "bench-iam", "bucket": "bench-iam", "queue": queue}


def _invoke_ms(client, event: bytes) -> float:
    start = time.perf_counter()
    answer = client.invoke(FunctionName="bench-iam", Payload=event)
    body = json.loads(answer["Payload"].read())
    elapsed = (time.perf_counter() - start) * 1000
    assert body == {"ok": True}, body
    return elapsed


def main(rounds: int = 60) -> None:
    from grader import sandbox

    sb = sandbox.start()
    event = json.dumps(_setup()).encode()
    client = boto3.client("lambda")
    for _ in range(3):  # cold start and first-use costs out of the way
        _invoke_ms(client, event)
    samples: dict[bool, list[float]] = {True: [], False: []}
    for i in range(rounds * 2):
        enforced = i % 2 == 0
        sb.enforce_iam = enforced
        samples[enforced].append(_invoke_ms(client, event))
    sb.enforce_iam = True
    on, off = statistics.median(samples[True]), statistics.median(samples[False])
    print(f"warm invoke, 5 AWS calls: p50 enforced {on:.1f} ms, not enforced {off:.1f} ms, "
          f"added {on - off:.1f} ms ({(on - off) / 5:.2f} ms per call)")
    sb.stop()


if __name__ == "__main__":
    main()
