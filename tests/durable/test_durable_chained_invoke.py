"""Chained invokes: a durable function calls another function with `context.invoke` and resumes with its answer.

AWS's durable execution documentation, "Invoke operations"
(https://aws.github.io/aws-durable-execution-docs/sdk-reference/operations/invoke): the target runs, durable or
on-demand (a durable target as a durable execution of its own), the calling execution suspends until it ends, and
its result (or error) is the operation's.
The history's ChainedInvokeStartedDetails gives FunctionName, TenantId, Input, ExecutedVersion and
DurableExecutionArn (https://docs.aws.amazon.com/lambda/latest/api/API_ChainedInvokeStartedDetails.html). A target
that does not exist fails the operation with ResourceNotFoundException, and a durable target named without a
qualifier with InvalidParameterValueException, as Lambda refuses an unqualified durable function
(https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html).
"""

from __future__ import annotations

import json

import boto3
from durable_support import deploy_durable, finished, start

from lambda_course.deploy import deploy_function, zip_source

CALLER = '''
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig


@durable_execution
def handler(event, context: DurableContext):
    price = context.invoke(os.environ["PRICER"], {"sku": event["sku"]}, name="price",
                           config=InvokeConfig(tenant_id="shop-7"))
    label = context.invoke(os.environ["LABELER"], {"sku": event["sku"]}, name="label")
    refused = {}
    for name in ("MISSING", "UNQUALIFIED"):
        try:
            context.invoke(os.environ[name], {}, name=name.lower())
        except Exception as error:
            refused[name.lower()] = type(error).__name__
    return {"price": price, "label": label, "refused": refused}
'''

PRICER = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _: {"sku": event["sku"], "cents": 1250}, name="look-up")
'''

LABELER = "def handler(event, context):\n    return 'label for ' + event['sku']\n"


def _deploy(unique: str) -> tuple[str, str]:
    """The caller, a durable target and a plain one; the caller's name and the durable target's ARN."""
    caller, pricer, labeler = (f"chain-{part}-{unique}" for part in ("caller", "pricer", "labeler"))
    deploy_durable(pricer, PRICER)
    deploy_function(labeler, zip_source(LABELER))
    pricer_arn = boto3.client("lambda").get_function(FunctionName=pricer)["Configuration"]["FunctionArn"]
    deploy_durable(caller, CALLER)
    boto3.client("lambda").update_function_configuration(FunctionName=caller, Environment={"Variables": {
        "PRICER": f"{pricer_arn}:$LATEST", "LABELER": labeler, "MISSING": f"no-such-function-{unique}",
        "UNQUALIFIED": pricer}})  # a durable function named without a version, an alias or $LATEST
    return caller, pricer_arn


def test_a_durable_function_invokes_a_durable_and_a_plain_function_and_resumes_with_their_answers(sb, unique):
    caller, pricer_arn = _deploy(unique)
    arn = start(caller, {"sku": "mug"})
    details = finished(arn)
    assert details["Status"] == "SUCCEEDED", details.get("Error")
    assert json.loads(details["Result"]) == {"price": {"sku": "mug", "cents": 1250}, "label": "label for mug",
                                             "refused": {"missing": "InvokeError", "unqualified": "InvokeError"}}
    events = boto3.client("lambda").get_durable_execution_history(DurableExecutionArn=arn,
                                                                  IncludeExecutionData=True)["Events"]
    started = {event["Name"]: event["ChainedInvokeStartedDetails"] for event in events
               if event["EventType"] == "ChainedInvokeStarted"}
    assert started["price"]["FunctionName"] == f"{pricer_arn}:$LATEST"
    assert started["price"]["TenantId"] == "shop-7" and "TenantId" not in started["label"]
    assert started["price"]["ExecutedVersion"] == "$LATEST" and started["label"]["ExecutedVersion"] == "$LATEST"
    assert json.loads(started["price"]["Input"]["Payload"]) == {"sku": "mug"}
    child = started["price"]["DurableExecutionArn"]
    assert f":function:chain-pricer-{unique}:$LATEST/durable-execution/" in child
    assert finished(child)["Status"] == "SUCCEEDED"  # the durable target ran as an execution of its own
    failed = [event["ChainedInvokeFailedDetails"] for event in events if event["EventType"] == "ChainedInvokeFailed"]
    assert [error["Error"]["Payload"]["ErrorType"] for error in failed] == ["ResourceNotFoundException",
                                                                            "InvalidParameterValueException"]
