"""End-to-end grading of lab 1 with nbgrader: one batch of submissions of known quality, graded once."""

from __future__ import annotations

import re

import pytest
from lab1_submissions import LAB, cell, solution_nb

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab1-grading")]

QUESTIONS = ["q1-tests", "q2-tests", "q3-tests-valid", "q3-tests-invalid", "q4-tests"]


def test_the_grade_command_shows_progress_and_reports_an_unreadable_submission(graded_batch):
    progress = re.findall(r"^\[(\d)/6\] (\w+) \.\.\. ([\d.]+)/10$", graded_batch.output, flags=re.M)
    graded = [("1", "ada"), ("2", "bo"), ("3", "cy"), ("4", "dee"), ("6", "fay")]
    assert [(n, who) for n, who, _ in progress] == graded, graded_batch.output
    unreadable = r"^\[5/6\] eve \.\.\. error: eve.ipynb is not a readable notebook"
    assert re.search(unreadable, graded_batch.output, flags=re.M), graded_batch.output
    assert graded_batch.rows["eve"]["error"] and graded_batch.score("eve") == 0
    assert graded_batch.exit_code == 1


def test_a_notebook_without_any_lab_cells_scores_zero_out_of_the_full_marks(graded_batch):
    assert not graded_batch.rows["fay"]["error"]
    assert graded_batch.score("fay") == 0 and float(graded_batch.rows["fay"]["max"]) == LAB.points


def test_the_reference_solution_scores_full_marks(graded_batch):
    assert graded_batch.score("ada") == LAB.points
    assert all(graded_batch.score("ada", q) > 0 for q in QUESTIONS)


def test_the_released_stub_scores_zero(graded_batch):
    assert graded_batch.score("bo") == 0
    assert float(graded_batch.rows["bo"]["max"]) == LAB.points


def test_a_partly_correct_submission_scores_in_between(graded_batch):
    points = {q: graded_batch.score("cy", q) for q in QUESTIONS}
    assert points == {"q1-tests": 1, "q2-tests": 2, "q3-tests-valid": 0, "q3-tests-invalid": 0, "q4-tests": 0}
    assert 0 < graded_batch.score("cy") < LAB.points


def test_deleted_test_cells_are_put_back_and_counted(graded_batch):
    # cy deleted q1-tests (its answer is right) and q3-tests-invalid (its answer is a stub): the first still
    # earns its point, the second still costs its three.
    assert graded_batch.score("cy", "q1-tests") == 1
    assert graded_batch.score("cy", "q3-tests-invalid") == 0
    assert float(graded_batch.rows["cy"]["max"]) == LAB.points


def test_an_emptied_test_cell_runs_as_written_by_the_instructor(graded_batch):
    assert graded_batch.score("cy", "q3-tests-valid") == 0


def test_a_correct_handler_that_writes_to_stderr_keeps_full_marks(graded_batch):
    assert graded_batch.score("dee") == LAB.points


def test_the_summary_table_lists_every_learner_and_the_maximum(graded_batch):
    table = graded_batch.output.split("Writing feedback")[1]
    totals = [("ada", "10"), ("bo", "0"), ("cy", "3"), ("dee", "10"), ("eve", "error"), ("fay", "0")]
    for learner, total in totals:
        assert re.search(rf"^{learner}\s.*\s{total}$", table, flags=re.M), table
    assert re.search(r"^\(max\)\s+1\s+2\s+2\s+3\s+2\s+10$", table, flags=re.M), table


def test_feedback_never_shows_hidden_test_source(graded_batch):
    hidden_lines = _hidden_test_lines()
    assert hidden_lines
    for learner in ("ada", "bo", "cy", "dee"):
        page = graded_batch.feedback(learner)
        assert "HIDDEN TESTS" not in page
        leaked = [line for line in hidden_lines if line in page]
        assert not leaked, f"{learner}'s feedback shows hidden test lines: {leaked[:3]}"


def test_feedback_explains_a_failure_in_course_language(graded_batch):
    page = graded_batch.feedback("bo")
    assert "not written yet" in page
    # A test cell's traceback would run through the check helpers; only the message is shown.
    assert "checks.py" not in page


def _hidden_test_lines() -> list[str]:
    """Distinctive lines of every hidden test region in the source notebook, HTML-escaped as in a page."""
    import html

    lines: list[str] = []
    nb = solution_nb()
    for grade_id in QUESTIONS:
        source = cell(nb, grade_id).source
        region = source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        distinctive = [line.strip() for line in region.splitlines() if len(line.strip()) > 24]
        lines += [html.escape(line, quote=False) for line in distinctive]
    return lines
