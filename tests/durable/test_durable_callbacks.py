"""A durable function waits for an outside system's answer through a callback, as on Lambda.

Lambda Developer Guide, "Lambda durable functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html)
and the API Reference's SendDurableExecutionCallbackSuccess
(https://docs.aws.amazon.com/lambda/latest/api/API_SendDurableExecutionCallbackSuccess.html): a callback suspends
the execution until another system sends its result with the callback's ID; the function then resumes with it.
"""

from __future__ import annotations

import json

import boto3
from durable_support import deploy_durable, finished, history, start, status, wait_until

APPROVAL = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name="manager-approval")
    return {"decision": callback.result()}
'''


def callback_id(arn: str) -> str | None:
    started = [event for event in history(arn) if event["EventType"] == "CallbackStarted"]
    return str(started[0]["CallbackStartedDetails"]["CallbackId"]) if started else None


def test_a_callback_suspends_the_execution_until_its_result_is_sent(sb):
    name = "durable-approval"
    deploy_durable(name, APPROVAL)
    arn = start(name, {})
    wait_until(lambda: callback_id(arn) is not None, "the callback to be created")
    wait_until(lambda: len([e for e in history(arn) if e["EventType"] == "InvocationCompleted"]) == 1,
               "the first invocation to suspend")
    assert status(arn) == "RUNNING"
    boto3.client("lambda").send_durable_execution_callback_success(CallbackId=callback_id(arn),
                                                                   Result=b"approved")
    details = finished(arn)
    assert details["Status"] == "SUCCEEDED"
    assert json.loads(details["Result"]) == {"decision": "approved"}  # the SDK hands the payload over as sent
