"""The check helpers lab tests call: they pass good answers and explain bad ones in course language."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from lambda_course import checks


def ok_handler(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def fragile_handler(event, context):
    return {"statusCode": 200, "headers": {}, "body": json.dumps(json.loads(event["body"])["name"])}


def test_http_event_looks_like_an_http_api_event():
    event = checks.http_event("post", "/split", {"total": 5}, query={"debug": "1"})
    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"] == "/split" and event["rawQueryString"] == "debug=1"
    assert json.loads(event["body"]) == {"total": 5} and event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"debug": "1"}


def test_http_event_without_body_has_no_body_key_and_can_base64_encode():
    assert "body" not in checks.http_event("GET", "/")
    encoded = checks.http_event("POST", "/", "{oops", base64_body=True)
    assert encoded["isBase64Encoded"] is True
    assert base64.b64decode(encoded["body"]) == b"{oops"


def test_check_http_response_accepts_a_good_answer_and_displays_nothing():
    result = checks.call_handler(ok_handler, checks.http_event("POST", "/", {"a": 1.004}))
    assert checks.check_http_response(result, status=range(200, 300), json_body={"a": 1.0}) is None
    assert checks.parse_json_body(result) == {"a": 1.004}


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("oops", "should return a dict"),
        ({"statusCode": 200, "body": "{}"}, "missing headers"),
        ({"statusCode": "200", "headers": {}, "body": "{}"}, "whole number"),
        ({"statusCode": 500, "headers": JSON, "body": "{}"}, "should be 200"),
        ({"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "{}"}, "application/json"),
        ({"statusCode": 200, "headers": JSON, "body": {"a": 1}}, "json.dumps"),
        ({"statusCode": 200, "headers": JSON, "body": "{'a': 1}"}, "not valid JSON"),
        ({"statusCode": 200, "headers": JSON, "body": '{"a": 2}'}, "should be {'a': 1}"),
    ],
)
def test_check_http_response_explains_each_mistake(result, message):
    with pytest.raises(AssertionError, match=message.replace("{", r"\{").replace("}", r"\}")):
        checks.check_http_response(result, status=200, json_body={"a": 1})


def test_a_handler_that_raises_is_reported_with_the_request_not_a_traceback():
    event = checks.http_event("POST", "/hello", {"nom": "Ada"})
    with pytest.raises(AssertionError) as failure:
        checks.call_handler(fragile_handler, event)
    text = str(failure.value)
    assert "raised KeyError: 'name'" in text and "POST /hello" in text and "4xx" in text
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_bad_input_checks_need_a_4xx_with_an_error_message():
    def answers_200(event, context):
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}

    def answers_400_silently(event, context):
        return {"statusCode": 400, "headers": {"content-type": "application/json"}, "body": "{}"}

    def answers_400(event, context):
        body = json.dumps({"error": "total is missing"})
        return {"statusCode": 400, "headers": {"content-type": "application/json"}, "body": body}

    event = checks.http_event("POST", "/split", {})
    with pytest.raises(AssertionError, match="client's mistake"):
        checks.check_handler_returns_4xx_on_bad_input(answers_200, event)
    with pytest.raises(AssertionError, match="'error' field"):
        checks.check_handler_returns_4xx_on_bad_input(answers_400_silently, event)
    with pytest.raises(AssertionError, match="should get 405"):
        checks.check_handler_returns_4xx_on_bad_input(answers_400, event, status=405)
    assert checks.check_handler_returns_4xx_on_bad_input(answers_400, event) is None


def test_headers_are_matched_without_regard_to_case():
    result = {"headers": {"Allow": "POST"}}
    checks.check_header(result, "allow", "post")
    with pytest.raises(AssertionError, match="should have a 'x-id' header"):
        checks.check_header(result, "x-id", "1")


def test_same_json_compares_money_to_the_cent_and_keeps_booleans_apart():
    assert checks.same_json({"a": [1, 32.434]}, {"a": [1.0, 32.43]})
    assert not checks.same_json({"a": 32.44}, {"a": 32.43})
    assert not checks.same_json(True, 1) and not checks.same_json({"a": 1}, {"a": 1, "b": 2})


def test_module_source_joins_the_cells_that_define_the_functions(tmp_path: Path):
    import importlib.util

    first = tmp_path / "first.py"
    first.write_text("import json\n\n\ndef dump(x):\n    return json.dumps(x)\n")
    second = tmp_path / "second.py"
    second.write_text(
        "def handler(event, context):\n    return dump(event)\n\n\ndef helper():\n    return 1\n"
    )
    namespace = {}
    for path in (first, second):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        namespace.update(vars(module))
    source = checks.module_source(namespace["dump"], namespace["handler"], namespace["helper"])
    assert source.count("def handler") == 1 and source.index("import json") < source.index("def handler")
    built = {}
    exec(compile(source, "app.py", "exec"), built)
    assert built["handler"]({"a": 1}, None) == '{"a": 1}'


def test_module_source_reads_cells_from_the_line_cache():
    import linecache

    name = "<ipython-input-cell-7>"
    text = textwrap.dedent(
        """
        def handler(event, context):
            return {"statusCode": 204}
        """
    )
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    namespace = {}
    exec(compile(text, name, "exec"), namespace)
    assert 'return {"statusCode": 204}' in checks.module_source(namespace["handler"])


def test_invocation_payload_reports_the_function_error_and_log():
    from lambda_course.deploy import Invocation

    failed = Invocation(
        200,
        {"errorType": "NameError", "errorMessage": "name 'json' is not defined"},
        "Unhandled",
        "START\nTraceback...\nEND\nREPORT Duration: 2.00 ms",
    )
    with pytest.raises(AssertionError) as failure:
        checks.invocation_payload(failed, checks.http_event("POST", "/split", {}), name="bill-splitter")
    text = str(failure.value)
    assert "'bill-splitter' failed on POST /split" in text and "NameError" in text and "module_source" in text
    assert "REPORT Duration" in text
    with pytest.raises(AssertionError, match="Expected what invoke"):
        checks.invocation_payload({"statusCode": 200})
    assert checks.invocation_payload(Invocation(200, {"statusCode": 200}, None, "")) == {"statusCode": 200}


def test_deployed_functions_are_checked_with_the_same_messages(sb, unique):
    from lambda_course.deploy import deploy_function

    with pytest.raises(AssertionError, match="no function called"):
        checks.invoke_deployed(f"missing-{unique}", {})
    name = f"forgot-import-{unique}"
    deploy_function(name, "def handler(event, context):\n    return json.dumps(event)\n")
    with pytest.raises(AssertionError) as failure:
        checks.call_handler(checks.deployed(name), checks.http_event("POST", "/split", {}))
    text = str(failure.value)
    assert text.startswith(f"The deployed function {name!r} failed") and "NameError" in text
    assert "module_source" in text
