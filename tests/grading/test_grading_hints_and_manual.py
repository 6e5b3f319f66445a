"""What `lambda-course check` and `grade` report beyond pass and fail: a failed test's hint, shown only once an
answer has been tried, and manually graded answers shown as awaiting manual grading, never as 0 points."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from lab1_submissions import answered, cell

from grader.autograde import Result
from grader.export import AWAITING
from grader.scores import PENDING, summary_table
from lambda_course.cli import main
from lambda_course.hints import hint_for

WRONG_SPLIT = '''def split_bill(total, people, tip_percent=0):
    """Forgets the tip."""
    return {"total_with_tip": total, "per_person": round(total / people, 2), "people": people}
'''


def _words(text: str) -> str:
    """Text with its line breaks and indents folded, as a wrapped terminal report shows it."""
    return " ".join(text.split())


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("lab1-selfcheck")
def test_the_self_check_shows_a_hint_under_a_tried_answer_that_fails_and_only_there(tmp_path: Path, capsys):
    nb = answered(["q1-answer", "q2-answer"])
    cell(nb, "q2-answer").source = WRONG_SPLIT
    path = tmp_path / "lab1-first-handler.ipynb"
    nbformat.write(nb, path)
    assert main(["check", str(path)]) == 1
    out = _words(capsys.readouterr().out)
    assert f"Hint: {hint_for('lab1-first-handler', 'q2-tests')}" in out
    assert out.count("Hint:") == 1  # q1 passes; q3 and q4 are stubs still: no hint before an answer is tried
    assert hint_for("lab1-first-handler", "q1-tests") not in out


def test_the_summary_shows_awaiting_answers_as_manual_not_as_zero():
    maximum = {"q1-tests": 1.0, "q1-justify": 1.0}
    results = [Result("ada", {"q1-tests": 1.0, "q1-justify": 0.0}, maximum, pending={"q1-justify"}),
               Result("bo", {"q1-tests": 0.0, "q1-justify": 0.0}, maximum)]
    table = summary_table(results, list(maximum), maximum)
    ada = next(line for line in table.splitlines() if line.startswith("ada"))
    bo = next(line for line in table.splitlines() if line.startswith("bo"))
    assert ada.split() == ["ada", "1", PENDING, "1"] and bo.split() == ["bo", "0", "0", "0"]
    assert "1 learner(s) have answers awaiting manual grading" in table
    assert AWAITING == "awaiting manual grading"


def test_a_summary_with_nothing_awaiting_says_nothing_of_manual_grading():
    maximum = {"q1-tests": 1.0}
    table = summary_table([Result("ada", {"q1-tests": 1.0}, maximum)], list(maximum), maximum)
    assert PENDING not in table and "manual grading" not in table
