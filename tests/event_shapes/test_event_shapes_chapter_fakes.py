"""The fake events and context chapter 14 teaches unit tests with have the shape of the real ones.

The chapter's `fakes.py` (the FAKES text in course/14-testing-handlers.ipynb) builds an HTTP API request and an
SQS batch; each is compared with AWS's documented example, as the sandbox's own events are:
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
Its fake context is compared with the context object a function deployed to the sandbox really gets
(https://docs.aws.amazon.com/lambda/latest/dg/python-context.html).
"""

from __future__ import annotations

import ast
import json
import types
from pathlib import Path

import nbformat
import pytest
from shape_support import Allowances, assert_documented_shape

from lambda_course.deploy import deploy_function, invoke

CHAPTER = Path(__file__).resolve().parents[2] / "course" / "14-testing-handlers.ipynb"
# The documented request carries cookies, a query string, path parameters and stage variables; a request without
# them has none of those keys, and one without a body has no body.
HTTP_ALLOWS = Allowances(
    optional=frozenset({"cookies", "queryStringParameters", "pathParameters", "stageVariables", "body",
                        "requestContext.authentication", "requestContext.authorizer"}),
    maps=frozenset({"headers", "queryStringParameters", "pathParameters", "stageVariables"}),
    any_text=frozenset({"body"}),
)
SQS_ALLOWS = Allowances(any_text=frozenset({"Records[].body"}))
# Returns the public attributes of the real context object, with the type of each value.
CONTEXT_REPORTER = """
def handler(event, context):
    names = [name for name in dir(context) if not name.startswith("_")]
    return {name: type(getattr(context, name)).__name__ for name in names}
"""


def chapter_text(name: str) -> str:
    """The string the chapter assigns to `name` in one of its code cells."""
    for cell in nbformat.read(CHAPTER, as_version=4).cells:
        if cell.cell_type != "code" or f"{name} = " not in cell.source:
            continue
        lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith("%")]
        for node in ast.parse("\n".join(lines)).body:
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [name]:
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    return node.value.value
    raise AssertionError(f"the chapter assigns no string to {name}")


@pytest.fixture(scope="module")
def fakes() -> types.ModuleType:
    """The chapter's fakes.py, as a module."""
    module = types.ModuleType("fakes")
    exec(compile(chapter_text("FAKES"), "fakes.py", "exec"), module.__dict__)  # noqa: S102 - the chapter's own text
    return module


@pytest.mark.parametrize("body", [{"sensor": "north-1", "celsius": 36}, "not json", None])
def test_the_fake_http_request_has_the_documented_shape(fakes, body):
    event = fakes.http_event(body)
    assert_documented_shape(event, "http-api-payload-2.0", HTTP_ALLOWS)
    assert ("body" in event) is (body is not None)


def test_a_fake_http_request_differing_from_the_documented_shape_is_caught(fakes):
    event = fakes.http_event({"sensor": "north-1"})
    del event["requestContext"]["http"]
    with pytest.raises(AssertionError, match="requestContext.http: missing"):
        assert_documented_shape(event, "http-api-payload-2.0", HTTP_ALLOWS)


def test_the_fake_sqs_batch_has_the_documented_shape(fakes):
    event = fakes.sqs_event({"sensor": "north-1", "celsius": 36}, "garbled")
    assert_documented_shape(event, "sqs-standard-queue", SQS_ALLOWS)
    assert [record["body"] for record in event["Records"]] == [json.dumps({"sensor": "north-1", "celsius": 36}),
                                                               "garbled"]
    assert len({record["messageId"] for record in event["Records"]}) == 2, "each message has an id of its own"


def test_the_fake_context_offers_what_the_real_one_does(fakes, unique):
    name = f"context-{unique}"
    deploy_function(name, CONTEXT_REPORTER)
    real = invoke(name).payload
    fake = fakes.FakeContext()
    offered = {attribute: type(getattr(fake, attribute)).__name__
               for attribute in dir(fake) if not attribute.startswith("_")}
    assert set(offered) <= set(real), f"the fake has what the real context lacks: {set(offered) - set(real)}"
    assert {key: real[key] for key in offered} == offered, "each field should have the real one's type"
    missing = {"function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb", "aws_request_id",
               "log_group_name", "log_stream_name", "get_remaining_time_in_millis"} - set(offered)
    assert not missing, f"the fields the chapter names are missing from the fake: {missing}"


def test_the_fake_context_counts_down_to_its_deadline(fakes):
    assert 0 < fakes.FakeContext(remaining_ms=5000).get_remaining_time_in_millis() <= 5000
    assert fakes.FakeContext(remaining_ms=0).get_remaining_time_in_millis() == 0
