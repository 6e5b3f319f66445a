"""The judge's parts, without a kernel: plain data across the boundary, names, hidden tests, learner errors."""

from __future__ import annotations

import decimal
import json
import time
from typing import Any

import nbformat
import pytest

from grader.trust import agent, judge, plaindata
from lambda_course.deploy import Invocation
from lambda_course.labchecks.routing import TargetQueue
from lambda_course.labchecks.timememory import LocalContext


class Liar(dict):
    """A learner's value that claims to equal anything."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False


class AnyInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


def crossed(value: Any) -> Any:
    """`value` as the judge receives it from the learner's side."""
    return plaindata.loads(plaindata.dumps(value))


def test_values_that_lie_about_equality_arrive_as_exact_builtins():
    judged = crossed({"status": AnyInt(500), "body": Liar(a=1), "list": [AnyInt(2)]})
    assert judged == {"status": 500, "body": {"a": 1}, "list": [2]}
    assert type(judged["status"]) is int and type(judged["body"]) is dict
    assert judged["status"] != 200 and judged["body"] != {"b": 2}


def test_what_json_lacks_travels_tagged_and_comes_back_the_same():
    value = {"t": (1, "a"), "b": b"\x00\xff", "s": {1, 2}, "d": decimal.Decimal("12.50"), "n": float("inf"),
             "k": {1: "one"}}
    assert crossed(value) == value
    assert type(crossed(value)["d"]) is decimal.Decimal


def test_course_records_are_rebuilt_with_the_judges_own_classes():
    invocation = Invocation(200, {"ok": True}, None, "START\nREPORT Init Duration: 80 ms", {"Init Duration": 80.0})
    queue = TargetQueue("fraud", "http://q/fraud", "arn:aws:sqs:us-east-1:123456789012:fraud")
    judged = crossed({"invocation": invocation, "queue": queue})
    assert judged["invocation"] == invocation and judged["invocation"].cold
    assert judged["queue"] == queue and type(judged["queue"]) is TargetQueue


def test_anything_else_is_opaque_and_no_record_can_name_a_class_outside_the_course():
    assert isinstance(crossed(object()), plaindata.Opaque)
    forged = {plaindata.TAG: "record", "value": {"type": "subprocess:Popen", "fields": {"args": ["id"]}}}
    assert isinstance(plaindata.decode(forged), plaindata.Opaque)
    forged["value"]["type"] = "lambda_course.deploy:os.system"
    assert isinstance(plaindata.decode(forged), plaindata.Opaque)


@pytest.fixture
def handed():
    """Settings handed to this process as the fork server hands them; the installed course's again afterwards."""
    yield plaindata.use_course
    plaindata._given = None
    plaindata._codecs.cache_clear()


def test_records_and_codecs_handed_to_a_process_replace_the_installed_courses(handed):
    """The fork server hands its kernels the course's record modules and codecs; with none handed, a record and a
    context cross as opaque, so neither can come from anywhere but the settings the grader passed."""
    invocation = Invocation(200, {"ok": True}, None, "", {})
    handed([], [])
    assert isinstance(crossed(invocation), plaindata.Opaque)
    assert isinstance(crossed(LocalContext(1000)), plaindata.Opaque)
    handed(["lambda_course.deploy"], ["lambda_course.contexts:LambdaContextCodec"])
    assert crossed(invocation) == invocation
    assert 0 < crossed(LocalContext(1000)).get_remaining_time_in_millis() <= 1000


def test_a_forged_codec_value_is_opaque_or_fails_never_a_context():
    forged = {plaindata.TAG: "codec", "value": {"name": "no-such-codec", "data": {"remaining_ms": 5}}}
    assert isinstance(plaindata.decode(forged), plaindata.Opaque)
    forged["value"] = {"name": "lambda-context", "data": [1, 2]}
    assert isinstance(plaindata.decode(forged), plaindata.Opaque)
    forged["value"] = {"name": "lambda-context", "data": {"remaining_ms": "soon"}}
    with pytest.raises(ValueError):
        plaindata.decode(forged)


def test_a_context_object_crosses_as_its_remaining_time_and_counts_down_again():
    class Context:
        aws_request_id = "abc"

        def get_remaining_time_in_millis(self) -> int:
            return 1500

    rebuilt = crossed(Context())
    assert rebuilt.aws_request_id == "abc" and 1000 < rebuilt.get_remaining_time_in_millis() <= 1500
    time.sleep(0.05)
    assert rebuilt.get_remaining_time_in_millis() <= 1450


def test_a_value_nested_too_deeply_is_refused():
    deep: list = []
    for _ in range(plaindata.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(plaindata.NotPlainData):
        plaindata.dumps(deep)


class FakeKernel:
    """A `Link` that answers as agent.py would, from a namespace of the 'learner's' values."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace, self.asked = namespace, []

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(request)
        return json.loads(agent.answer(json.dumps(request), self.namespace))


def names_for(namespace: dict[str, Any], own: dict[str, Any] | None = None) -> tuple[judge.Names, FakeKernel]:
    kernel = FakeKernel(namespace)
    return judge.Names(kernel, own or {}), kernel


def cell(source: str, grade_id: str = "q1-tests") -> nbformat.NotebookNode:
    test = nbformat.v4.new_code_cell(source)
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id, "points": 1}
    return test


def test_a_learner_function_is_called_in_the_kernel_and_returns_plain_data():
    names, kernel = names_for({"double": lambda x: Liar(value=x * 2)})
    verdict = judge.judge_cell(cell("assert double(21) == {'value': 42}\nassert double(1) != {'value': 42}"), names)
    assert verdict.passed
    assert {"op": "call", "name": "double", "args": [21], "kwargs": {}} in kernel.asked


def test_the_judges_own_names_and_the_builtins_are_never_asked_of_the_kernel():
    fake_checks = type("Checks", (), {"check": staticmethod(lambda *args: None)})
    names, kernel = names_for({"checks": fake_checks, "len": lambda x: 0, "answer": 3},
                              own={"checks": type("Checks", (), {"check": staticmethod(_fail_unless_three)})})
    assert not judge.judge_cell(cell("checks.check(len([1, 2]))"), names).passed
    assert judge.judge_cell(cell("checks.check(answer)"), names).passed
    assert [request["name"] for request in kernel.asked] == ["answer"]


def _fail_unless_three(value: Any) -> None:
    assert value == 3, f"expected 3, got {value!r}"


def test_lab_cells_give_the_judge_their_imports_and_constants_only():
    own: dict[str, Any] = {}
    judge.lab_names("from lambda_course import checks\nimport json\nFUNCTION_NAME = 'bill-splitter'\n"
                    "LIMIT = 3 * 2\nclient = object()\n", own)
    assert own["FUNCTION_NAME"] == "bill-splitter" and own["json"] is json and "checks" in own
    assert "LIMIT" not in own and "client" not in own  # computed at run time: read from the kernel when asked


def test_a_hidden_test_that_fails_says_so_without_its_source_or_message():
    names, _ = names_for({"split": lambda total: total / 2})
    source = ("assert split(10) == 5\n### BEGIN HIDDEN TESTS\nsecret_case = 7\n"
              "assert split(secret_case) == 99, 'expected 99 for the secret case'\n### END HIDDEN TESTS\n")
    verdict = judge.judge_cell(cell(source), names)
    assert not verdict.passed and verdict.ename == "HiddenTestFailed"
    assert "99" not in verdict.evalue and "secret" not in verdict.evalue
    visible = judge.judge_cell(cell("assert split(10) == 6, 'split(10) should be 6'\n" + source), names)
    assert visible.evalue == "split(10) should be 6"


def test_what_a_learner_function_raises_is_rebuilt_as_the_nearest_builtin():
    class BadOrder(ValueError):
        pass

    def parse(text: str) -> None:
        raise BadOrder(f"bad {text}")

    def bail() -> None:
        raise SystemExit(0)

    names, _ = names_for({"parse": parse, "bail": bail})
    source = ("try:\n    parse('x')\nexcept ValueError as error:\n    assert str(error) == 'bad x'\n"
              "else:\n    raise AssertionError('no error')\n")
    assert judge.judge_cell(cell(source), names).passed
    verdict = judge.judge_cell(cell("bail()"), names)
    assert not verdict.passed and verdict.ename == "LearnerError"


def test_a_name_the_learner_never_defined_fails_the_test():
    names, _ = names_for({})
    verdict = judge.judge_cell(cell("split_bill(1, 2)"), names)
    assert not verdict.passed and verdict.ename == "NameError"


def test_an_error_of_the_judges_own_fails_the_test_never_passes_it():
    names, _ = names_for({"answer": {"a": 1}})
    verdict = judge.judge_cell(cell("answer.no_such_method()"), names)
    assert not verdict.passed and verdict.ename == "AttributeError"


def test_names_used_inside_comprehensions_are_found_too():
    names, _ = names_for({"square": lambda x: x * x})
    assert judge.judge_cell(cell("assert [square(n) for n in range(3)] == [0, 1, 4]"), names).passed


def test_a_value_whose_repr_raises_still_crosses_as_opaque():
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no repr for you")

    crossed_value = crossed({"thing": Hostile()})["thing"]
    assert isinstance(crossed_value, plaindata.Opaque) and crossed_value == plaindata.Opaque("Hostile", "?")


class _Nameless(Exception):
    pass


_Nameless.__qualname__ = ""
_Nameless.__module__ = "builtins"


class _Unprintable(BaseException):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


@pytest.mark.parametrize(
    ("raised", "shown"),
    [(SystemExit(0), "SystemExit"), (KeyboardInterrupt(), "KeyboardInterrupt"), (GeneratorExit(), "GeneratorExit"),
     (_Unprintable(), "_Unprintable"), (_Nameless(), "LearnerError"), (ZeroDivisionError("division by zero"),
                                                                       "division by zero")],
)
def test_anything_a_learner_function_raises_fails_that_test(raised, shown):
    def answer(*args: Any) -> None:
        raise raised

    names, _ = names_for({"answer": answer})
    verdict = judge.judge_cell(cell("answer(1)\nassert True"), names)
    assert verdict.passed is False and verdict.evalue and shown in f"{verdict.ename}: {verdict.evalue}"
