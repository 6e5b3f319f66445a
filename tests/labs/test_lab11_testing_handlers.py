"""Lab 11 graded end to end with nbgrader, and its mutation testing attacked piece by piece.

The learner's pytest file runs against the handler as given and against eight hidden mutants; a point per mutant
killed, none unless the tests pass on the handler. Graded in one `lambda-course grade` run: the reference tests,
the released stub, a file that asserts nothing, a file testing only the thresholds, a file holding a copy of the
handler as its oracle, and a file whose expectation is wrong.

https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html and
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html (the body
of payload format 2.0 is a string, base64-encoded when isBase64Encoded is true)
https://docs.aws.amazon.com/lambda/latest/dg/python-context.html (aws_request_id, get_remaining_time_in_millis)
"""

from __future__ import annotations

import json
import os
import socket
import textwrap
from pathlib import Path

import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from grader.trust.jail import bwrap_path
from lambda_course import answerkeys
from lambda_course.checks import CheckFailed
from lambda_course.judging import SandboxJudging
from lambda_course.labchecks import handlertesting
from lambda_course.labs import lab
from lambda_course.testruns import jailing, runner
from lambda_course.testruns.host import serving
from lambda_course.testruns.mutation import Mutant, MutantError, Target, load_mutants, run_against
from lambda_course.testruns.screening import TestsRefused, screen
from lambda_course.testruns.standin import LIMIT

pytestmark = [pytest.mark.xdist_group("lab11-grading")]  # one worker grades the batch; the others go on
LAB = lab("lab11-testing-handlers")
JAILS = pytest.mark.skipif(bwrap_path() is None or os.geteuid() != 0, reason="needs bubblewrap and root")
HEADER = "%%writefile test_quote.py\n"


def reference_tests() -> str:
    """The solution's test file, as the answer cell writes it."""
    source = cell_by_id(labtesting.solution(LAB), "q1-answer").source
    body = source.split("### BEGIN SOLUTION\n", 1)[1].split("### END SOLUTION", 1)[0]
    return body


def only(*names: str) -> str:
    """The reference file keeping only its helpers and the tests named."""
    keep, chunks = [], reference_tests().split("\n\n\n")
    for chunk in chunks:
        tests = [line for line in chunk.splitlines() if line.startswith("def test_")]
        if not tests or any(f"def {name}(" in chunk for name in names):
            keep.append(chunk)
    return "\n\n\n".join(keep)


ASSERTS_NOTHING = textwrap.dedent("""\
    import json
    from types import SimpleNamespace

    from quote import handler


    def test_the_handler_runs():
        context = SimpleNamespace(aws_request_id="r-1")
        for quantity in (1, 0, 3):
            basket = {"items": [{"sku": "tea", "quantity": quantity, "unit_cents": 450}], "coupon": "SAVE10"}
            handler({"body": json.dumps(basket), "isBase64Encoded": False}, context)
    """)
WRONG_EXPECTATION = only("test_a_small_basket_pays_shipping").replace('"shipping_cents": 499', '"shipping_cents": 0')
ORACLE = textwrap.dedent('''\
    import json
    from types import SimpleNamespace

    from quote import handler


    def reference(event):
        """A copy of the handler's read_basket, renamed."""
        payload = event.get("body")
        if not payload:
            raise ValueError("no body")
        if event.get("isBase64Encoded"):
            payload = base64.b64decode(payload).decode("utf-8")
        try:
            found = json.loads(payload)
        except json.JSONDecodeError:
            raise ValueError("not JSON") from None
        if not isinstance(found, dict) or not isinstance(found.get("items"), list) or not found["items"]:
            raise ValueError("no items")
        for item in found["items"]:
            check_item(item)
        if found.get("coupon") is not None and found["coupon"] not in COUPONS:
            raise ValueError("unknown coupon")
        return found


    def test_same_as_reference():
        assert handler({"body": "{}"}, SimpleNamespace(aws_request_id="r"))["statusCode"] == 400
    ''')


class TestGrading(LabContract):
    LAB, POINTS = LAB, 8
    RELEASED_CELLS_OMIT = {"q1-answer": ("def test_", "SimpleNamespace")}
    RELEASED_TEXT_OMITS = ("free-shipping-boundary", "COUPONS.get(coupon, 0)")
    FEEDBACK_OMITS = ("free-shipping-boundary", "COUPONS.get(coupon, 0)", "round(subtotal")

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy asserts nothing; di tests only the thresholds; el holds a copy of the handler; fa expects wrongly."""
        files = {"cy": ASSERTS_NOTHING, "di": only("test_shipping_is_free_from_fifty",
                                                   "test_free_shipping_is_judged_after_the_discount"),
                 "el": ORACLE, "fa": WRONG_EXPECTATION}
        return {learner: labtesting.answered(cls.LAB, {"q1-answer": HEADER + text}) for learner, text in files.items()}

    def test_a_file_that_asserts_nothing_scores_zero(self, batch):
        assert batch.score("cy") == 0
        assert "survived" in batch.feedback("cy")

    def test_tests_of_the_thresholds_alone_kill_only_the_threshold_mutants(self, batch):
        assert batch.score("di") == 2
        assert batch.score("di", "q1-tests-m1") == batch.score("di", "q1-tests-m2") == 1

    def test_a_file_holding_a_copy_of_the_handler_is_not_graded(self, batch):
        assert batch.score("el") == 0
        assert "copy of the handler" in batch.feedback("el")

    def test_tests_that_fail_on_the_handler_as_given_score_zero_and_say_so(self, batch):
        assert batch.score("fa") == 0
        assert "must pass on the handler as given" in batch.feedback("fa")


# --- the mutants, the runner and the screen on their own --------------------------------------------------


def test_every_mutant_fits_the_handler_and_the_reference_tests_kill_each_one():
    mutants = load_mutants(handlertesting.MUTANTS)
    assert len(mutants) == LAB.points
    tests = reference_tests()
    assert run_against(tests, handlertesting.HANDLER).passed
    for mutant in mutants:
        source = mutant.source(handlertesting.HANDLER_SOURCE)
        assert source != handlertesting.HANDLER_SOURCE
        run = run_against(tests, Target("quote", "test_quote.py", source))
        assert run.exit_code == 1, (mutant.id, run.summary)


def test_a_mutant_whose_edit_no_longer_fits_is_refused_loudly():
    with pytest.raises(MutantError, match="occurs 0 times"):
        Mutant("gone", (("no such text", "x"),)).source(handlertesting.HANDLER_SOURCE)
    with pytest.raises(MutantError, match="occurs 2 times"):
        Mutant("twice", (("x", "y"),)).source("x = x")


def test_the_mutants_are_answer_keys_the_learners_side_cannot_read(monkeypatch, tmp_path):
    monkeypatch.setattr(answerkeys, "FOLDER", tmp_path)  # as the grading jail shows the folder: empty
    with pytest.raises(answerkeys.AnswerKeysUnavailable):
        load_mutants(handlertesting.MUTANTS)


def test_the_handlers_exceptions_reach_the_tests_as_builtin_classes():
    tests = textwrap.dedent("""\
        import pytest
        from quote import handler

        def test_a_missing_context_fails_as_it_would_in_lambda():
            with pytest.raises(AttributeError, match="aws_request_id"):
                handler({"body": "{}"}, None)

        def test_an_event_that_is_not_json_is_refused_before_it_is_sent():
            with pytest.raises(TypeError, match="JSON"):
                handler({"body": object()}, None)
        """)
    run = runner.run_tests(tests, handlertesting.HANDLER_SOURCE, "quote", "test_quote.py")
    assert run.passed, run.output


def test_a_file_that_exits_early_earns_nothing_either_way(monkeypatch):
    passes_everywhere = "import os\nos._exit(0)\n"
    with pytest.raises(CheckFailed, match="survived"):
        handlertesting.check_kills(passes_everywhere, 1)
    fails_everywhere = "import os\nos._exit(1)\n"
    with pytest.raises(CheckFailed, match="must pass on the handler"):
        handlertesting.check_kills(fails_everywhere, 1)
    with pytest.raises(CheckFailed, match="no test was found"):
        handlertesting.check_passes_on_handler("import json\n")


def test_tests_that_never_end_are_stopped_and_do_not_pass(monkeypatch):
    monkeypatch.setattr(runner, "TIMEOUT_S", 3)
    run = runner.run_tests("def test_forever():\n    while True:\n        pass\n", handlertesting.HANDLER_SOURCE,
                           "quote", "test_quote.py")
    assert run.exit_code is None and not run.passed and "stopped" in run.summary


def test_the_server_answers_a_stray_client_with_an_error_and_keeps_serving(tmp_path):
    with serving(lambda event, context: {"echo": event}, tmp_path / "h.sock") as path:
        for garbage in (b"not json\n", b"x" * (LIMIT + 100)):  # the extra bytes fit the socket's buffer
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(path))
                client.sendall(garbage)
                client.shutdown(socket.SHUT_WR)
                reply = json.loads(client.makefile("rb").read())
            assert reply["raised"]["builtins"][0] == "ValueError"
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(path))
            client.sendall(b'{"event": [1], "context": null}\n')
            client.shutdown(socket.SHUT_WR)
            assert json.loads(client.makefile("rb").read()) == {"value": {"echo": [1]}}


@pytest.mark.parametrize(("tests", "said"), [
    ("from lambda_course.labchecks.quote import handler\n", "import lambda_course"),
    ("import importlib\n", "import importlib"),
    ("from quote import handler\nCODE = 'x = 1'\nexec(CODE)\n", "runs code held in a string"),
    ("def test_(:\n", "not valid Python"),
    (ORACLE, "copy of the handler's `read_basket`"),
])
def test_the_screen_refuses_what_the_grader_would_not_accept(tests, said):
    with pytest.raises(TestsRefused, match=said.replace("(", r"\(")):
        screen(tests, handlertesting.HANDLER_SOURCE, "quote")


def test_the_screen_accepts_the_reference_tests_and_reports_refusals_as_failed_checks():
    screen(reference_tests(), handlertesting.HANDLER_SOURCE, "quote")
    with pytest.raises(CheckFailed, match="copy of the handler"):
        handlertesting.check_passes_on_handler(ORACLE)


@JAILS
def test_a_jailed_run_shows_no_handler_source_no_mutant_and_no_earlier_run():
    key = answerkeys.path(handlertesting.MUTANTS)
    tests = textwrap.dedent(f"""\
        import os
        from pathlib import Path

        MARK = Path(os.environ["HOME"]) / ".tmp" / "seen-before"  # the run's own folder; /tmp is not writable

        def test_nothing_of_the_course_is_readable():
            assert not Path({str(key)!r}).exists()
            assert not Path({handlertesting.quote.__file__!r}).exists()
            assert "def handler" not in Path("quote.py").read_text() or "SOCKET_NAME" in Path("quote.py").read_text()
            assert "FREE_SHIPPING_FROM" not in Path("quote.py").read_text()

        def test_no_run_leaves_anything_for_the_next():
            assert not MARK.exists()
            MARK.write_text("x")
        """)
    with jailing.jailed([]):
        first = runner.run_tests(tests, handlertesting.HANDLER_SOURCE, "quote", "test_quote.py")
        second = runner.run_tests(tests, handlertesting.HANDLER_SOURCE, "quote", "test_quote.py")
    assert first.passed, first.output
    assert second.passed, second.output


def test_the_judge_jails_test_runs_only_while_it_judges(tmp_path):
    assert jailing.new_jail() is None
    judging = SandboxJudging({"hidden": json.dumps([str(tmp_path)])})
    with judging.around_test():
        jail = jailing.new_jail()
        assert jail is not None
        try:
            assert Path(tmp_path) in jail.hidden
            assert Path(handlertesting.quote.__file__).resolve().parent.parent in [p.resolve() for p in jail.hidden] \
                or any(Path(handlertesting.quote.__file__).resolve().is_relative_to(p.resolve()) for p in jail.hidden)
        finally:
            jail.close()
    assert jailing.new_jail() is None


def test_a_handler_that_cannot_be_reached_is_called_a_grading_problem_not_a_failed_test(monkeypatch):
    monkeypatch.setattr(runner, "SOCKET_NAME", "elsewhere.sock")  # the server listens where the stand-in never looks
    handlertesting.run_against.cache_clear()
    with pytest.raises(CheckFailed, match="problem of the grading run"):
        handlertesting.check_passes_on_handler(reference_tests())
    handlertesting.run_against.cache_clear()
