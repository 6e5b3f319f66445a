"""Sandbox start, cold-start and warm invoke latency, each printed beside the floor measured in the same run.

Targets (issue 2): sandbox start <= 0.5 s; cold start p50 <= 100 ms for a handler that imports nothing heavy;
warm invoke through boto3 p50 <= 10 ms. Run: .venv/bin/python benchmarks/bench_runtime.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import boto3


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def sandbox_start_ms(runs: int = 5) -> tuple[float, float]:
    """start() in a fresh interpreter, after importing localaws.sandbox; and the import itself."""
    code = ("import time; t0=time.perf_counter(); from localaws import sandbox; t1=time.perf_counter(); "
            "sandbox.start(); t2=time.perf_counter(); print((t1-t0)*1000, (t2-t1)*1000)")
    rows = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(runs)]
    return statistics.median(float(r[1]) for r in rows), statistics.median(float(r[0]) for r in rows)


def floor_process_ms(runs: int = 20) -> float:
    return statistics.median(timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
                             for _ in range(runs))


def main() -> None:
    start_ms, import_ms = sandbox_start_ms()
    floor_ms = floor_process_ms()
    from lambda_course.deploy import deploy_function
    from localaws import sandbox

    sandbox.start()
    client = boto3.client("lambda")
    source = "import json\ndef handler(event, context):\n    return {'ok': True}\n"
    cold_client, cold_init = [], []
    for i in range(20):
        deploy_function(f"cold-{i}", source)
        t = time.perf_counter()
        response = client.invoke(FunctionName=f"cold-{i}", LogType="Tail")
        response["Payload"].read()
        cold_client.append((time.perf_counter() - t) * 1000)
        import base64

        log = base64.b64decode(response["LogResult"]).decode()
        cold_init.append(float(log.split("Init Duration: ")[1].split(" ms")[0]))
    deploy_function("warm", source)
    client.invoke(FunctionName="warm")
    warm = []
    for _ in range(500):
        t = time.perf_counter()
        client.invoke(FunctionName="warm")["Payload"].read()
        warm.append((time.perf_counter() - t) * 1000)
    print(f"sandbox start (start() after import)    {start_ms:7.1f} ms   (import localaws.sandbox: {import_ms:.1f} ms)")
    print(f"floor: start a Python process            {floor_ms:7.1f} ms")
    print(f"cold-start invoke p50 (client, boto3)    {statistics.median(cold_client):7.1f} ms")
    print(f"cold-start Init Duration p50 (REPORT)    {statistics.median(cold_init):7.1f} ms")
    print(f"warm invoke p50 / p99 (boto3)            {percentile(warm, 50):7.2f} / {percentile(warm, 99):.2f} ms")


if __name__ == "__main__":
    main()
