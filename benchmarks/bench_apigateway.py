"""HTTP requests through the API Gateway data plane (HTTP API and REST API) to a warm function, beside a direct
boto3 invoke of the same function.

All three are measured in the same run, interleaved, against the same warm function, so the differences are
what each path adds: the data plane routes, builds the event and maps the response after one HTTP hop, while
boto3 builds, signs (SigV4) and parses every call and the sandbox's Lambda API parses and authorises it.
Run: .venv/bin/python benchmarks/bench_apigateway.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import boto3
import requests

SOURCE = "def handler(event, context):\n    return {'statusCode': 200, 'body': '{\"ok\": true}'}\n"
ACCOUNT = "123456789012"


def timed_ms(call: Callable[[], None], runs: int) -> list[float]:
    """Wall-clock milliseconds of `runs` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def http_api(arn: str) -> str:
    """An HTTP API with GET /ping to the function; returns its id."""
    v2 = boto3.client("apigatewayv2")
    api = v2.create_api(Name="bench", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                        PayloadFormatVersion="2.0")["IntegrationId"]
    v2.create_route(ApiId=api, RouteKey="GET /ping", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return api


def rest_api(arn: str, region: str) -> str:
    """A REST API with GET /ping to the function (Lambda proxy), deployed to stage `bench`; returns its id."""
    v1 = boto3.client("apigateway")
    api = v1.create_rest_api(name="bench-rest")["id"]
    root = v1.get_resources(restApiId=api)["items"][0]["id"]
    ping = v1.create_resource(restApiId=api, parentId=root, pathPart="ping")["id"]
    v1.put_method(restApiId=api, resourceId=ping, httpMethod="GET", authorizationType="NONE")
    uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    v1.put_integration(restApiId=api, resourceId=ping, httpMethod="GET", type="AWS_PROXY",
                       integrationHttpMethod="POST", uri=uri)
    v1.create_deployment(restApiId=api, stageName="bench")
    return api


def main(runs: int = 200) -> None:
    from lambda_course.deploy import deploy_function
    from localaws import sandbox

    sb = sandbox.start()
    arn = deploy_function("bench-apigw", SOURCE)["FunctionArn"]
    v2_api, v1_api = http_api(arn), rest_api(arn, sb.region)
    for api in (v2_api, v1_api):
        boto3.client("lambda").add_permission(
            FunctionName="bench-apigw", StatementId=f"bench-{api}", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{sb.region}:{ACCOUNT}:{api}/*")
    session, client = requests.Session(), boto3.client("lambda")
    urls = {"HTTP API": f"{sb.api_url(v2_api)}/ping", "REST API": f"{sb.api_url(v1_api, 'bench')}/ping"}
    calls: dict[str, Callable[[], None]] = {
        name: (lambda url=url: _expect_200(session.get(url))) for name, url in urls.items()
    }
    calls["boto3 invoke"] = lambda: client.invoke(FunctionName="bench-apigw")["Payload"].read()
    for call in calls.values():
        call()  # warm the environment and every connection
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs // 20):  # interleave so all see the same machine load
        for name, call in calls.items():
            samples[name] += timed_ms(call, 20)
    p50 = {name: statistics.median(values) for name, values in samples.items()}
    for name, label in (("HTTP API", "HTTP API -> warm Lambda"), ("REST API", "REST API -> warm Lambda"),
                        ("boto3 invoke", "boto3 invoke (same function)")):
        print(f"{label:30} p50: {p50[name]:6.2f} ms  ({len(samples[name])} requests)")
    if min(p50["HTTP API"], p50["REST API"]) < p50["boto3 invoke"]:
        print("A request through the gateway is faster here than a boto3 invoke: boto3 builds, signs (SigV4) and "
              "parses every call, and the Lambda API parses and authorises it, while the gateway request is a "
              "plain HTTP GET whose invocation happens inside the sandbox.")
    sb.stop()


def _expect_200(answer: requests.Response) -> None:
    assert answer.status_code == 200, answer.text


if __name__ == "__main__":
    main()
