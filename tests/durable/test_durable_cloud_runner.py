"""AWS's own cloud test runner for durable functions passes against the sandbox as against Lambda.

`DurableFunctionCloudTestRunner` (aws-durable-execution-sdk-python-testing, "Testing Modes: Local vs Cloud") invokes a
deployed durable function, reads the DurableExecutionArn Invoke answers with, and rebuilds the execution from
GetDurableExecution and GetDurableExecutionHistory; pointed at the sandbox's endpoint it needs every one of those
answers in Lambda's shapes. The handler uses parallel branches (child contexts) as well as steps: Lambda Developer
Guide, "Lambda durable functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html).
"""

from __future__ import annotations

import json

from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionCloudTestRunner
from durable_support import SLOW, deploy_durable

FAN_OUT = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    prices = context.map(event["items"], lambda ctx, item, index, items: ctx.step(
        lambda _: len(item) * 10, name=f"price-{item}"), name="price-all")
    total = context.step(lambda _: sum(prices.get_results()), name="total")
    return {"total": total}
'''


def test_the_published_cloud_runner_reads_an_execution_from_the_sandbox(sb):
    name = "durable-cloud-runner"
    deploy_durable(name, FAN_OUT)
    # qualified, as Lambda requires of a durable function (https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html)
    runner = DurableFunctionCloudTestRunner(f"{name}:$LATEST", region=sb.region, lambda_endpoint=sb.endpoint_url,
                                            poll_interval=0.2)
    result = runner.run(input={"items": ["tea", "scone", "jam"]}, timeout=int(SLOW))
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {"total": 110}
    assert json.loads(result.get_step("total").result) == 110
    assert result.get_context("price-all").status.value == "SUCCEEDED"
