"""Cost of IAM enforcement: the authorisation hook timed per call, and a warm invoke making five AWS calls.

The hook (`localaws.iam.authorize.authorize_request`, which the seam calls for every request moto answers)
is wrapped to count its calls and time each one; its per-call time is the real price of enforcement, since the
difference of two ~170 ms invoke medians is mostly noise. The warm invoke is still timed with `sb.enforce_iam`
on and off, alternating so both see the same machine load. The run then checks that the hook did the work: five
calls per invoke, and a denial once one permission is taken from the role.
Run: .venv/bin/python benchmarks/bench_iam_enforcement.py
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3

HANDLER = """
import boto3
ddb, s3, sqs = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")

def handler(event, context):
    try:
        ddb.put_item(TableName=event["table"], Item={"id": {"S": "1"}})
        ddb.get_item(TableName=event["table"], Key={"id": {"S": "1"}})
        s3.put_object(Bucket=event["bucket"], Key="k", Body=b"x")
        s3.get_object(Bucket=event["bucket"], Key="k")["Body"].read()
        sqs.send_message(QueueUrl=event["queue"], MessageBody="x")
    except Exception as error:
        return {"ok": False, "code": error.response["Error"]["Code"]}
    return {"ok": True}
"""
CALLS_PER_INVOKE = 5


GRANTS = [(["dynamodb:PutItem", "dynamodb:GetItem"], "arn:aws:dynamodb:*:*:table/bench-iam"),
          (["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::bench-iam/*"),
          (["sqs:SendMessage"], "arn:aws:sqs:*:*:bench-iam")]


def _policy(without: str | None = None) -> dict:
    """The role's policy: exactly the five calls' permissions, less `without` if given."""
    statements = [{"Effect": "Allow", "Action": kept, "Resource": resource}
                  for actions, resource in GRANTS if (kept := [a for a in actions if a != without])]
    return {"Version": "2012-10-17", "Statement": statements}


def _setup() -> dict[str, str]:
    from lambda_course.deploy import deploy_function, ensure_role

    boto3.client("dynamodb").create_table(
        TableName="bench-iam", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    boto3.client("s3").create_bucket(Bucket="bench-iam")
    queue = boto3.client("sqs").create_queue(QueueName="bench-iam")["QueueUrl"]
    deploy_function("bench-iam", HANDLER, role=ensure_role("bench-iam", _policy()), timeout=10)
    return {"table": "bench-iam", "bucket": "bench-iam", "queue": queue}


class HookTimer:
    """Wraps the authorisation hook and keeps, in microseconds, the duration of each call a role session made.

    The hook also sees the benchmark's own (unsigned-by-a-role) invoke requests; those return at once and are
    counted apart, in `others`.
    """

    def __init__(self) -> None:
        from localaws.iam import authorize

        self.module = authorize
        self.original: Callable[[Any], None] = authorize.authorize_request
        self.samples: list[float] = []
        self.others = 0

    def __enter__(self) -> HookTimer:
        def timed(response: Any) -> None:
            start = time.perf_counter()
            try:
                self.original(response)
            finally:
                elapsed = (time.perf_counter() - start) * 1e6
                if self.module.session_of(response)[0] is not None:
                    self.samples.append(elapsed)
                else:
                    self.others += 1

        self.module.authorize_request = timed
        return self

    def __exit__(self, *exc: object) -> None:
        self.module.authorize_request = self.original


def _invoke(client, event: bytes) -> tuple[float, dict]:
    start = time.perf_counter()
    answer = client.invoke(FunctionName="bench-iam", Payload=event)
    body = json.loads(answer["Payload"].read())
    return (time.perf_counter() - start) * 1000, body


def _spread(values: list[float]) -> str:
    q = statistics.quantiles(values, n=10)
    return f"p50 {statistics.median(values):.0f}, p10 {q[0]:.0f}, p90 {q[-1]:.0f}"


def _hook_per_call(client, event: bytes, rounds: int) -> list[float]:
    """Per-call hook times over `rounds` enforced invokes, after checking every invoke authorised its 5 calls."""
    with HookTimer() as timer:
        for _ in range(rounds):
            before = len(timer.samples)
            _, body = _invoke(client, event)
            assert body == {"ok": True}, body
            assert len(timer.samples) - before == CALLS_PER_INVOKE, timer.samples[before:]
    return timer.samples


def _invoke_medians(sb, client, event: bytes, rounds: int) -> tuple[float, float]:
    samples: dict[bool, list[float]] = {True: [], False: []}
    for i in range(rounds * 2):
        sb.enforce_iam = i % 2 == 0
        elapsed, body = _invoke(client, event)
        assert body == {"ok": True}, body
        samples[sb.enforce_iam].append(elapsed)
    sb.enforce_iam = True
    return statistics.median(samples[True]), statistics.median(samples[False])


def _denied_without(client, event: bytes, action: str) -> dict:
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName="bench-iam", PolicyName="bench-iam-inline", PolicyDocument=json.dumps(_policy(action)))
    try:
        return _invoke(client, event)[1]
    finally:
        iam.put_role_policy(RoleName="bench-iam", PolicyName="bench-iam-inline", PolicyDocument=json.dumps(_policy()))


def main(rounds: int = 60) -> None:
    from localaws import sandbox

    sb = sandbox.start()
    event = json.dumps(_setup()).encode()
    client = boto3.client("lambda")
    for _ in range(3):  # cold start and first-use costs out of the way
        _invoke(client, event)
    hook = _hook_per_call(client, event, rounds)
    print(f"authorisation hook: {len(hook)} calls over {rounds} invokes, per call (us): {_spread(hook)}, "
          f"mean {statistics.fmean(hook):.0f}")
    on, off = _invoke_medians(sb, client, event, rounds)
    print(f"warm invoke, 5 AWS calls: p50 enforced {on:.1f} ms, not enforced {off:.1f} ms "
          f"(difference {on - off:+.1f} ms; the hook's own share is {5 * statistics.median(hook) / 1000:.2f} ms)")
    denied = _denied_without(client, event, "sqs:SendMessage")
    assert denied == {"ok": False, "code": "AccessDenied"}, denied
    print("without sqs:SendMessage the fifth call is denied:", denied)
    sb.stop()


if __name__ == "__main__":
    main()
