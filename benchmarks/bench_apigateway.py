"""An HTTP request through the API Gateway data plane to a warm function, beside a direct boto3 invoke.

Both are measured in the same run against the same warm function, so the difference is what the data plane
adds (routing, event building, response mapping, one more HTTP hop).
Run: .venv/bin/python benchmarks/bench_apigateway.py
"""

from __future__ import annotations

import statistics
import time

import boto3
import requests

SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': '{\"ok\": true}'}\n"


def timed_ms(call, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(runs: int = 200) -> None:
    from grader import sandbox
    from grader.deploy import deploy_function

    sb = sandbox.start()
    arn = deploy_function("bench-apigw", SOURCE)["FunctionArn"]
    v2 = boto3.client("apigatewayv2")
    api = v2.create_api(Name="bench", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                        PayloadFormatVersion="2.0")["IntegrationId"]
    v2.create_route(ApiId=api, RouteKey="GET /ping", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    url, session, client = f"{sb.api_url(api)}/ping", requests.Session(), boto3.client("lambda")

    def through_gateway() -> None:
        assert session.get(url).status_code == 200

    def direct_invoke() -> None:
        client.invoke(FunctionName="bench-apigw")["Payload"].read()

    through_gateway(), direct_invoke()  # warm the environment and both connections
    gateway, direct = [], []
    for _ in range(runs // 20):  # interleave so both see the same machine load
        gateway += timed_ms(through_gateway, 20)
        direct += timed_ms(direct_invoke, 20)
    print(f"HTTP API -> warm Lambda, p50: {statistics.median(gateway):6.2f} ms  ({len(gateway)} requests)")
    print(f"boto3 invoke (same function), p50: {statistics.median(direct):6.2f} ms  ({len(direct)} requests)")
    sb.stop()


if __name__ == "__main__":
    main()
