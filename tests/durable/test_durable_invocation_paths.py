"""Every way of invoking a durable function starts a durable execution, and an unqualified ARN is refused.

Lambda Developer Guide, "Invoking durable Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html):
durable functions are invoked synchronously, asynchronously or by event source mappings like any function, always
with a qualified ARN; an unqualified one is refused with InvalidParameterValueException ("You cannot invoke a
durable function using an unqualified ARN."). "Event source mappings with durable functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking-esm.html): a mapping invokes synchronously and waits
for the execution. "Best practices for Lambda durable functions", error handling
(https://docs.aws.amazon.com/lambda/latest/dg/durable-best-practices.html): after an asynchronous invocation, an
execution that ends FAILED sends its event to the dead-letter queue; the asynchronous invocation records of
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html go to its destinations.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
import requests
from durable_support import SLOW, deploy_durable, finished, start, wait_until

from lambda_course.deploy import ensure_role
from localaws.runtime import durable_hook
from localaws.runtime.durable_hook import UNQUALIFIED, is_qualified
from localaws.runtime.errors import InvokeError

ECHO = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _: {"seen": event}, name="echo")
'''
FAILING = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: "checked", name="check")
    raise ValueError("out of stock")
'''


def _executions(name: str, qualifier: str = "$LATEST") -> list[dict[str, Any]]:
    return list(boto3.client("lambda").list_durable_executions_by_function(
        FunctionName=name, Qualifier=qualifier)["DurableExecutions"])


def _queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")  # visible again only after the functions' 60 s timeout, as a mapping requires
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _one_message(url: str, timeout: float = SLOW) -> dict[str, Any]:
    """The next message on the queue (waiting for it), deleted once read."""
    sqs = boto3.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return dict(message)
        time.sleep(0.2)
    raise AssertionError(f"no message reached {url}")


def _published(name: str) -> str:
    """Publish a version of the function and point the alias `live` at it; returns the alias ARN."""
    client = boto3.client("lambda")
    version = client.publish_version(FunctionName=name)["Version"]
    return str(client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)["AliasArn"])


def alias_version(name: str) -> str:
    return str(boto3.client("lambda").get_alias(FunctionName=name, Name="live")["FunctionVersion"])


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_an_unqualified_invoke_is_refused(sb, unique, invocation_type):
    name = f"durable-bare-{unique}"
    deploy_durable(name, ECHO)
    client = boto3.client("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException) as refused:
        client.invoke(FunctionName=name, InvocationType=invocation_type, Payload=b"{}")
    assert UNQUALIFIED in refused.value.response["Error"]["Message"]
    assert _executions(name) == []


def test_a_qualifier_in_the_function_name_counts(sb, unique):
    name = f"durable-named-{unique}"
    deploy_durable(name, ECHO)
    answer = boto3.client("lambda").invoke(FunctionName=f"{name}:$LATEST", Payload=json.dumps({"n": 1}))
    assert json.loads(answer["Payload"].read()) == {"seen": {"n": 1}}
    assert ":$LATEST/durable-execution/" in answer["DurableExecutionArn"]


@pytest.mark.parametrize(("invoked", "qualified"), [
    ("f", False), ("f:live", True), ("f:$LATEST", True), ("123456789012:function:f", False),
    ("123456789012:function:f:3", True), ("arn:aws:lambda:us-east-1:123456789012:function:f", False),
    ("arn:aws:lambda:us-east-1:123456789012:function:f:live", True)])
def test_what_counts_as_qualified(invoked, qualified):
    assert is_qualified(invoked) is qualified


def test_an_asynchronous_invoke_is_queued_and_its_execution_reaches_the_on_success_destination(sb, unique):
    name = f"durable-async-ok-{unique}"
    deploy_durable(name, ECHO)
    successes, successes_arn = _queue(f"{name}-ok")
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": successes_arn}})
    arn = start(name, {"n": 7})
    assert finished(arn)["Status"] == "SUCCEEDED"
    record = json.loads(_one_message(successes)["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"n": 7}
    assert record["responsePayload"] == {"seen": {"n": 7}}


def test_a_failed_execution_goes_to_on_failure_and_the_dead_letter_queue_once_without_a_second_execution(sb, unique):
    name = f"durable-async-fail-{unique}"
    deploy_durable(name, FAILING)
    failures, failures_arn = _queue(f"{name}-failed")
    dead, dead_arn = _queue(f"{name}-dlq")
    client = boto3.client("lambda")
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    client.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": dead_arn})
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    arn = start(name, {"order": "o-3"})
    assert finished(arn)["Status"] == "FAILED"
    record = json.loads(_one_message(failures)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "out of stock"
    dead_letter = _one_message(dead)
    assert json.loads(dead_letter["Body"]) == {"order": "o-3"}
    assert dead_letter["MessageAttributes"]["ErrorMessage"]["StringValue"] == "out of stock"
    sb.clock.advance(180)  # past both of the retries an ordinary function's event would get
    assert sb.wait_idle(10)
    assert [e["DurableExecutionArn"] for e in _executions(name)] == [arn]  # the execution is not started again


def test_an_sqs_mapping_on_an_alias_runs_each_batch_as_an_execution(sb, unique):
    name = f"durable-sqs-{unique}"
    deploy_durable(name, ECHO)
    alias = _published(name)
    url, queue_arn = _queue(f"{name}-in")
    boto3.client("lambda").create_event_source_mapping(FunctionName=alias, EventSourceArn=queue_arn, BatchSize=1)
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="order o-5")
    version = alias_version(name)
    wait_until(lambda: len(_executions(name, version)) == 1, "the mapping's execution")
    (execution,) = _executions(name, version)
    result = json.loads(finished(execution["DurableExecutionArn"])["Result"])
    assert result["seen"]["Records"][0]["body"] == "order o-5"
    wait_until(lambda: "Messages" not in boto3.client("sqs").receive_message(QueueUrl=url), "the message's deletion")


def test_an_sqs_mapping_on_the_unqualified_function_is_refused_and_keeps_the_message(sb, unique):
    name = f"durable-sqs-bare-{unique}"
    deploy_durable(name, ECHO)
    url, queue_arn = _queue(f"{name}-in")
    uuid = boto3.client("lambda").create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn,
                                                              BatchSize=1)["UUID"]
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="order o-6")
    wait_until(lambda: any(record.mapping_uuid == uuid for record in sb.sqs_poller.history), "the mapping's batch")
    batch = next(record for record in sb.sqs_poller.history if record.mapping_uuid == uuid)
    assert batch.outcome == "error" and batch.kept == batch.message_ids  # the message stays on the queue
    assert _executions(name) == []


def test_an_eventbridge_target_on_an_alias_starts_an_execution(sb, unique):
    name = f"durable-rule-{unique}"
    deploy_durable(name, ECHO)
    alias = _published(name)
    events, client = boto3.client("events"), boto3.client("lambda")
    rule = events.put_rule(Name=f"orders-{unique}", EventPattern=json.dumps({"source": [f"shop.{unique}"]}))
    client.add_permission(FunctionName=name, Qualifier="live", StatementId="events", Action="lambda:InvokeFunction",
                          Principal="events.amazonaws.com", SourceArn=rule["RuleArn"])
    events.put_targets(Rule=f"orders-{unique}", Targets=[{"Id": "fn", "Arn": alias}])
    events.put_events(Entries=[{"Source": f"shop.{unique}", "DetailType": "order", "Detail": json.dumps({"n": 9})}])
    version = alias_version(name)
    wait_until(lambda: len(_executions(name, version)) == 1, "the rule's execution")
    result = json.loads(finished(_executions(name, version)[0]["DurableExecutionArn"])["Result"])
    assert result["seen"]["detail"] == {"n": 9}


def test_an_eventbridge_target_on_the_unqualified_function_is_refused(sb, unique, caplog):
    name = f"durable-rule-bare-{unique}"
    deploy_durable(name, ECHO)
    fn_arn = boto3.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    events = boto3.client("events")
    rule = events.put_rule(Name=f"bare-{unique}", EventPattern=json.dumps({"source": [f"shop.{unique}"]}))
    boto3.client("lambda").add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                                          Principal="events.amazonaws.com", SourceArn=rule["RuleArn"])
    events.put_targets(Rule=f"bare-{unique}", Targets=[{"Id": "fn", "Arn": fn_arn}])
    events.put_events(Entries=[{"Source": f"shop.{unique}", "DetailType": "order", "Detail": "{}"}])
    assert sb.wait_idle(10)
    assert _executions(name) == []
    assert any(UNQUALIFIED in record.getMessage() for record in caplog.records)


def _states_role(unique: str) -> str:
    return ensure_role(f"durable-sfn-{unique}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}, service="states.amazonaws.com")


def _task_machine(unique: str, function: str) -> str:
    return str(boto3.client("stepfunctions").create_state_machine(
        name=f"durable-task-{unique}-{len(function)}", roleArn=_states_role(unique), definition=json.dumps(
            {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": function, "End": True}}}))[
        "stateMachineArn"])


def test_a_step_functions_task_on_an_alias_waits_for_the_execution(sb, unique):
    name = f"durable-task-{unique}"
    deploy_durable(name, ECHO)
    alias = _published(name)
    arn = boto3.client("stepfunctions").start_execution(stateMachineArn=_task_machine(unique, alias),
                                                        input=json.dumps({"n": 2}))["executionArn"]
    result = sb.wait_for_execution(arn, timeout=SLOW)
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output or "") == {"seen": {"n": 2}}
    assert len(_executions(name, alias_version(name))) == 1


def test_a_step_functions_task_on_the_unqualified_function_fails_with_lambdas_error(sb, unique):
    name = f"durable-task-bare-{unique}"
    deploy_durable(name, ECHO)
    fn_arn = boto3.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    arn = boto3.client("stepfunctions").start_execution(stateMachineArn=_task_machine(unique, fn_arn))["executionArn"]
    result = sb.wait_for_execution(arn, timeout=SLOW)
    assert result.status == "FAILED"
    assert result.error == "Lambda.InvalidParameterValueException"
    assert UNQUALIFIED in (result.cause or "")


def _http_api(sb: Any, function: str) -> str:
    """An HTTP API whose `GET /order` is a proxy integration with `function`, granted to invoke it; its base URL."""
    client = boto3.client("apigatewayv2")
    api = client.create_api(Name=f"durable-{time.monotonic_ns()}", ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=function,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
    client.create_route(ApiId=api, RouteKey="GET /order", Target=f"integrations/{integration}")
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    account, region = function.split(":")[4], function.split(":")[3]
    boto3.client("lambda").add_permission(FunctionName=function, StatementId=f"apigw-{api}",
                                          Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                                          SourceArn=f"arn:aws:execute-api:{region}:{account}:{api}/*")
    return f"{sb.api_url(api)}/order"


def test_an_api_gateway_integration_on_an_alias_answers_with_the_executions_result(sb, unique):
    name = f"durable-api-{unique}"
    deploy_durable(name, ECHO)
    answer = requests.get(_http_api(sb, _published(name)), params={"n": "4"}, timeout=SLOW)
    assert answer.status_code == 200
    assert answer.json()["seen"]["queryStringParameters"] == {"n": "4"}
    assert len(_executions(name, alias_version(name))) == 1


def test_an_api_gateway_integration_on_the_unqualified_function_is_refused(sb, unique):
    name = f"durable-api-bare-{unique}"
    deploy_durable(name, ECHO)
    fn_arn = boto3.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    answer = requests.get(_http_api(sb, fn_arn), timeout=SLOW)
    assert answer.status_code >= 500  # the gateway's answer to an integration Lambda refused
    assert _executions(name) == []


class _ThrottledStarter:
    """A starter whose executions can never start: every launch is throttled, as at zero concurrency."""

    def __init__(self) -> None:
        self.launches: list[Any] = []
        self.abandoned: list[tuple[Any, str]] = []

    def prepare(self, fn: Any, payload: bytes, name: str | None) -> Any:
        return {"arn": f"{fn.function_arn}:$LATEST/durable-execution/never/1"}

    def launch(self, prepared: Any, on_end: Any) -> None:
        self.launches.append(prepared)
        raise InvokeError("TooManyRequestsException", "Rate Exceeded.", 429)

    def run(self, fn: Any, payload: bytes) -> Any:
        raise AssertionError("not a synchronous test")

    def abandon(self, prepared: Any, reason: str) -> None:
        self.abandoned.append((prepared, reason))


def test_a_throttled_durable_event_waits_in_the_queue_then_ages_out_and_its_execution_is_stopped(sb, unique):
    """Throttled events go back to the queue and are dropped past MaximumEventAgeInSeconds
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html); the execution prepared for
    the Invoke's answer is stopped rather than left RUNNING."""
    name = f"durable-aged-{unique}"
    deploy_durable(name, ECHO)
    failures, failures_arn = _queue(f"{name}-aged")
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60, DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    throttled, previous = _ThrottledStarter(), durable_hook.starter()
    durable_hook.set_starter(throttled)
    try:
        fn = boto3.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        sb.runtime.invoke_async(_function(sb, name), b'{"n": 8}', f"{fn}:$LATEST")
        wait_until(lambda: len(throttled.launches) == 1, "the first attempt")
        sb.clock.advance(61)  # the requeued attempts come due, and the event is now older than its maximum age
        record = json.loads(_one_message(failures)["Body"])
    finally:
        durable_hook.set_starter(previous)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestPayload"] == {"n": 8}
    assert len(throttled.abandoned) == 1 and "maximum age" in throttled.abandoned[0][1]


def _function(sb: Any, name: str) -> Any:
    """moto's object for the function's $LATEST, as the runtime's triggers hold it."""
    from moto.awslambda.models import lambda_backends  # the sandbox's own backend, loaded with it

    return lambda_backends["123456789012"][sb.region].get_function(name)
