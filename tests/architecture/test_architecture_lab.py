"""Lab 6 graded end to end with nbgrader: the reference solution, the released stub and a typical mistake,
graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import nbformat
import pytest

from grader.grading import labtesting
from grader.grading.labs import lab
from grader.grading.merge import cell_by_id

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab6-grading")]

LAB = lab("lab6-architecture")


def typical_mistake() -> nbformat.NotebookNode:
    """Every answer from the solution, except Lambda for the 40-minute batch job."""
    nb = labtesting.answered(LAB)
    cell_by_id(nb, "q1-answer").source = (
        'answer_batch_40_minutes = {"choice": "lambda", "constraints": ["event-driven"]}'
    )
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    notebooks = {
        "ada": labtesting.solution(LAB),
        "bo": labtesting.released(LAB),
        "cy": typical_mistake(),
    }
    return labtesting.graded_once(tmp_path_factory, LAB, notebooks)


def feedback(batch, learner: str) -> str:
    return (batch.work / "feedback" / learner / LAB.id / f"{LAB.id}.html").read_text()


def test_the_release_is_up_to_date_and_points_add_up():
    from grader.grading.release import notebook_points

    assert notebook_points(labtesting.solution(LAB)) == LAB.points == 15
    released = labtesting.released(LAB)
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
    assert "### BEGIN HIDDEN TESTS" not in nbformat.writes(released)
    assert '"choice": "fargate"' not in cell_by_id(released, "q1-answer").source


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
