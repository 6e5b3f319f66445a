"""Lab 5 graded end to end with nbgrader: the reference solution, the released stub and a role that allows
everything, graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import nbformat
import pytest

from grader.grading import labtesting
from grader.grading.labs import lab
from grader.grading.merge import cell_by_id

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab5-grading")]

LAB = lab("lab5-least-privilege")
STAR_POLICY = 'execution_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", ' \
              '"Resource": "*"}]}'


def everything_allowed() -> nbformat.NotebookNode:
    """The solution's answers, except an execution role that may do anything."""
    nb = labtesting.answered(LAB)
    cell_by_id(nb, "q1-answer").source = STAR_POLICY
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    notebooks = {
        "ada": labtesting.solution(LAB),
        "bo": labtesting.released(LAB),
        "cy": everything_allowed(),
    }
    return labtesting.graded_once(tmp_path_factory, LAB, notebooks)


def test_the_release_is_up_to_date_and_points_add_up():
    from grader.grading.release import notebook_points

    assert notebook_points(labtesting.solution(LAB)) == LAB.points == 10
    released = labtesting.released(LAB)
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
    assert "### BEGIN HIDDEN TESTS" not in nbformat.writes(released)
    assert "lab5-thumbnails/thumbs/*" not in cell_by_id(released, "q1-answer").source
    assert "SourceAccount" not in cell_by_id(released, "q2-answer").source


def test_the_reference_solution_scores_full_marks(batch):
    assert batch.exit_code == 0, batch.output
    assert batch.score("ada") == LAB.points


def test_the_released_stub_scores_zero(batch):
    assert batch.score("bo") == 0
    assert float(batch.rows["bo"]["max"]) == LAB.points


def test_a_role_that_allows_everything_loses_the_least_privilege_points_and_says_which_calls(batch):
    assert batch.score("cy", "q1-tests-works") == 3
    assert batch.score("cy", "q1-tests-least") == 0
    assert batch.score("cy") == LAB.points - 3
    page = batch.feedback("cy")
    assert "never makes" in page
    assert "s3:GetObject on arn:aws:s3:::lab5-payroll/salaries.csv" in page
    assert "dynamodb:DeleteItem" in page


def test_feedback_never_shows_the_hidden_grading(batch):
    for learner in ("ada", "bo", "cy"):
        page = batch.feedback(learner)
        assert "HIDDEN TESTS" not in page
        assert "pass-role" not in page
