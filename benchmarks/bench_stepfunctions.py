"""How long a Step Functions execution of five Lambda tasks takes in the sandbox, and one whose task is retried.

Each task runs a real handler through the sandbox's Lambda API, as the chapters and lab 10 do; the figure beside
it is a direct Invoke of the same function, the floor. The retried execution fails twice, with Retry intervals
of 2 and 4 seconds on the sandbox's clock; the loop that waits for it moves the clock whenever the newest event
of the history is a failure, as lab 10's checks and chapter 13's `run_to_end` do.
Run: .venv/bin/python benchmarks/bench_stepfunctions.py
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

import boto3

from lambda_course import sandbox
from lambda_course.deploy import deploy_function, ensure_role

INVOKE_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                      "Resource": "*"}]}
ECHO = "def handler(event, context):\n    return event\n"
FLAKY = """COUNT = {}

def handler(event, context):
    COUNT[event['id']] = COUNT.get(event['id'], 0) + 1
    if COUNT[event['id']] <= 2:
        raise RuntimeError('busy')
    return event
"""


def machine(name: str, definition: dict[str, Any]) -> str:
    role = ensure_role("BenchStepFunctions", INVOKE_ANY, service="states.amazonaws.com")
    return str(boto3.client("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=role)["stateMachineArn"])


def run(sb: Any, machine_arn: str) -> float:
    """Seconds from StartExecution to its end, moving the clock while a retry waits."""
    sfn = boto3.client("stepfunctions")
    start = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps({"id": uuid.uuid4().hex}))["executionArn"]
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        newest = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"]
        if newest and newest[0]["type"] == "LambdaFunctionFailed":
            sb.clock.advance(5)
        time.sleep(0.02)
    return time.perf_counter() - start


def main(runs: int = 7) -> None:
    sb = sandbox.start()
    echo = deploy_function("bench-echo", ECHO)["FunctionArn"]
    flaky = deploy_function("bench-flaky", FLAKY)["FunctionArn"]
    five = {"StartAt": "T1", "States": {f"T{n}": {"Type": "Task", "Resource": echo,
                                                  **({"Next": f"T{n + 1}"} if n < 5 else {"End": True})}
                                        for n in range(1, 6)}}
    retried = {"StartAt": "Try", "States": {"Try": {"Type": "Task", "Resource": flaky, "End": True, "Retry": [
        {"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 2, "BackoffRate": 2, "MaxAttempts": 3}]}}}
    tasks, retries = machine("bench-five", five), machine("bench-retried", retried)
    run(sb, tasks)  # the first execution warms the function and the interpreter
    lam = boto3.client("lambda")
    direct = []
    for _ in range(runs * 5):
        start = time.perf_counter()
        lam.invoke(FunctionName="bench-echo", Payload=b"{}")
        direct.append(time.perf_counter() - start)
    five_runs = [run(sb, tasks) for _ in range(runs)]
    retried_runs = [run(sb, retries) for _ in range(runs)]
    print(f"{'direct Invoke (floor)':40s} median {statistics.median(direct) * 1000:.1f} ms")
    print(f"{'execution of five Lambda tasks':40s} median {statistics.median(five_runs):.2f} s")
    print(f"{'execution retried twice (clock moved)':40s} median {statistics.median(retried_runs):.2f} s")


if __name__ == "__main__":
    main()
