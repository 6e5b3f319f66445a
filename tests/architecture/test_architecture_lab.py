"""Lab 6 graded end to end with nbgrader: the reference solution, the released stub and a typical mistake,
graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import sys
from pathlib import Path

import nbformat
import pytest

from grader.grading.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab6-grading")]

LAB = lab("lab6-architecture")


def _grading_helpers():
    """The lab-1 grading tests' helpers (cell lookup, GradedBatch), loaded from their conftest by path."""
    path = Path(__file__).resolve().parents[1] / "grading" / "conftest.py"
    spec = importlib.util.spec_from_file_location("lab_grading_helpers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


helpers = _grading_helpers()


def solution_nb() -> nbformat.NotebookNode:
    return nbformat.read(LAB.source(), as_version=4)


def released_nb() -> nbformat.NotebookNode:
    return nbformat.read(LAB.released(), as_version=4)


def typical_mistake() -> nbformat.NotebookNode:
    """Every answer from the solution, except Lambda for the 40-minute batch job."""
    nb, solution = released_nb(), solution_nb()
    for c in solution.cells:
        grade_id = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.metadata.get("nbgrader", {}).get("solution"):
            helpers.cell(nb, grade_id).source = c.source
    helpers.cell(nb, "q1-answer").source = (
        'answer_batch_40_minutes = {"choice": "lambda", "constraints": ["event-driven"]}'
    )
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    from grader.cli import main

    submissions = tmp_path_factory.mktemp("lab6-submissions")
    work = tmp_path_factory.mktemp("lab6-work")
    nbformat.write(solution_nb(), submissions / "ada.ipynb")
    nbformat.write(released_nb(), submissions / "bo.ipynb")
    nbformat.write(typical_mistake(), submissions / "cy.ipynb")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = main(["grade", LAB.id, str(submissions), "--work", str(work)])
    with (work / f"{LAB.id}-scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return helpers.GradedBatch(exit_code, output.getvalue(), rows, work)


def feedback(batch, learner: str) -> str:
    return (batch.work / "feedback" / learner / LAB.id / f"{LAB.id}.html").read_text()


def test_the_release_is_up_to_date_and_points_add_up():
    from grader.grading.release import notebook_points

    assert notebook_points(solution_nb()) == LAB.points == 15
    released = released_nb()
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
    assert "### BEGIN HIDDEN TESTS" not in nbformat.writes(released)
    assert '"choice": "fargate"' not in helpers.cell(released, "q1-answer").source


def test_the_reference_solution_scores_full_marks(batch):
    assert batch.exit_code == 0, batch.output
    assert batch.score("ada") == LAB.points


def test_the_released_stub_scores_zero(batch):
    assert batch.score("bo") == 0
    assert float(batch.rows["bo"]["max"]) == LAB.points


def test_lambda_for_the_batch_job_costs_that_question_only_and_says_why(batch):
    assert batch.score("cy", "q1-tests") == 0
    assert batch.score("cy") == LAB.points - 2
    page = feedback(batch, "cy")
    assert "15-minute-limit" in page and "(15 minutes)" in page
    assert "the better choice is fargate" in page


def test_feedback_never_shows_the_hidden_grading(batch):
    for learner in ("ada", "bo", "cy"):
        page = feedback(batch, learner)
        assert "HIDDEN TESTS" not in page
        assert "check_scenario(&quot;gpu-inference&quot;" not in page
        assert 'check_scenario("gpu-inference"' not in page
