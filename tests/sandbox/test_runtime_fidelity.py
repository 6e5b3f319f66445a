"""Where the sandbox's Lambda runtime follows a behaviour AWS documents: request ids, the invoked ARN, log events.

Each test names the AWS page it follows.
"""

from __future__ import annotations

import base64
import json
import struct

import boto3

from lambda_course.deploy import deploy_function
from localaws.runtime import logs
from localaws.sandbox.invoke_front import qualifier_in_name

CONTEXT = """
import logging
logging.getLogger().setLevel(logging.INFO)

def handler(event, context):
    logging.info("first line\\nsecond line")
    print("printed one\\nprinted two")
    return {"request_id": context.aws_request_id, "arn": context.invoked_function_arn}
"""


def _events(name: str) -> list[str]:
    found = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [event["message"] for event in found]


def test_the_invoke_response_names_the_invocations_request_id(sb, unique):
    """Invoke's RequestId (x-amzn-RequestId) is the id in START/END/REPORT and in `context.aws_request_id`.

    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html and
    https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    """
    name = f"rid-{unique}"
    deploy_function(name, CONTEXT)
    answer = boto3.client("lambda").invoke(FunctionName=name, LogType="Tail")
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == request_id
    assert json.loads(answer["Payload"].read())["request_id"] == request_id
    tail = base64.b64decode(answer["LogResult"]).decode()
    for line in (f"START RequestId: {request_id} ", f"END RequestId: {request_id}", f"REPORT RequestId: {request_id}"):
        assert line in tail
    assert any(event.startswith(f"REPORT RequestId: {request_id}") for event in _events(name))


def test_an_event_invocation_runs_under_the_id_of_its_202(sb, unique):
    """An asynchronous Invoke answers 202 with the request id the queued invocation later runs (and logs) under.

    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
    """
    name = f"rid-async-{unique}"
    deploy_function(name, CONTEXT)
    answer = boto3.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert answer["StatusCode"] == 202 and sb.wait_idle(timeout=20)
    assert f"START RequestId: {answer['ResponseMetadata']['RequestId']} Version: $LATEST" in _events(name)


def test_invoked_function_arn_carries_the_alias_it_was_invoked_by(sb, unique):
    """`context.invoked_function_arn` is the ARN as invoked: with the alias when one was named, else unqualified.

    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    """
    name = f"arn-{unique}"
    client = boto3.client("lambda")
    deploy_function(name, CONTEXT, publish=True)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"].removesuffix(":$LATEST")

    def invoked_arn(**how: str) -> str:
        return json.loads(client.invoke(**how)["Payload"].read())["arn"]

    assert invoked_arn(FunctionName=name) == arn
    assert invoked_arn(FunctionName=arn) == arn
    assert invoked_arn(FunctionName=name, Qualifier="live") == f"{arn}:live"
    assert invoked_arn(FunctionName=f"{arn}:live") == f"{arn}:live"
    assert invoked_arn(FunctionName=f"{name}:live") == f"{arn}:live"


def test_a_logging_record_is_one_event_and_printed_lines_are_one_each(sb, unique):
    """A `logging` call is one CloudWatch event however many lines it has; `print` makes one event per line.

    https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
    """
    name = f"frames-{unique}"
    deploy_function(name, CONTEXT)
    boto3.client("lambda").invoke(FunctionName=name)
    events = _events(name)
    records = [event for event in events if event.startswith("[INFO]")]
    assert len(records) == 1 and records[0].endswith("\tfirst line\nsecond line")
    assert "printed one" in events and "printed two" in events
    assert events.index(records[0]) < events.index("printed one")  # written in that order, kept in it


def test_an_unhandled_exception_is_one_event_with_its_traceback(sb, unique):
    """The runtime logs an unhandled exception as one event: the error line and the traceback under it.

    https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
    """
    name = f"frames-error-{unique}"
    deploy_function(name, "def handler(event, context):\n    raise ValueError('bad input')\n")
    boto3.client("lambda").invoke(FunctionName=name)
    errors = [event for event in _events(name) if event.startswith("[ERROR] ValueError: bad input")]
    assert len(errors) == 1 and "Traceback (most recent call last):" in errors[0]


def _frame(message: str, kind: int = 0xA55A000F) -> bytes:
    body = message.encode()
    return struct.pack(">IIQ", kind, len(body), 0) + body


def test_output_splits_into_lines_and_frames_in_order():
    """Printed lines, framed records and a frame cut off at the end of what has been read so far."""
    last = _frame("[WARNING] later")
    data = b"one\ntwo\n" + _frame("[INFO] a\nb\n") + b"three\n" + last
    events, rest = logs.split_events(data[:-3])
    assert events == ["one", "two", "[INFO] a\nb", "three"] and rest == last[:-3]
    assert logs.split_events(rest + last[-3:]) == (["[WARNING] later"], b"")
    assert logs.split_events(b"text with \xa5\x5a\x00\xff inside\n")[0] == ["text with \ufffdZ\x00\ufffd inside"]


def test_qualifier_in_each_form_of_function_name():
    assert qualifier_in_name("f:live") == "live"
    assert qualifier_in_name("123456789012:function:f:7") == "7"
    assert qualifier_in_name("arn:aws:lambda:us-east-1:123456789012:function:f:live") == "live"
    for unqualified in ("f", "123456789012:function:f", "arn:aws:lambda:us-east-1:123456789012:function:f"):
        assert qualifier_in_name(unqualified) is None
