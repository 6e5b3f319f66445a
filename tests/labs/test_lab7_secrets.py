"""Lab 7 graded end to end with nbgrader: the reference solution, the released stub and a handler that reads
the secret on every invocation, graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import nbformat
import pytest

from grader.grading import labtesting
from grader.grading.labs import lab
from grader.grading.merge import cell_by_id

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab7-grading")]

LAB = lab("lab7-secrets")
UNCACHED = '    if _token_cache["value"] is None or age > CACHE_TTL_SECONDS:'


def no_cache() -> nbformat.NotebookNode:
    """The solution's answers, except a handler that fetches the token on every invocation."""
    nb = labtesting.answered(LAB)
    handler_cell = cell_by_id(nb, "q3-answer")
    assert UNCACHED in handler_cell.source
    handler_cell.source = handler_cell.source.replace(UNCACHED, "    if True:")
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    notebooks = {
        "ada": labtesting.solution(LAB),
        "bo": labtesting.released(LAB),
        "cy": no_cache(),
    }
    return labtesting.graded_once(tmp_path_factory, LAB, notebooks)


def test_the_release_is_up_to_date_and_points_add_up():
    from grader.grading.release import notebook_points

    assert notebook_points(labtesting.solution(LAB)) == LAB.points == 10
    released = labtesting.released(LAB)
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
    assert "### BEGIN HIDDEN TESTS" not in nbformat.writes(released)
    assert "get_secret_value" not in cell_by_id(released, "q3-answer").source
    assert "EncryptionContext" not in cell_by_id(released, "q2-answer").source


def test_the_reference_solution_scores_full_marks(batch):
    assert batch.exit_code == 0, batch.output
    assert batch.score("ada") == LAB.points


def test_the_released_stub_scores_zero(batch):
    assert batch.score("bo") == 0
    assert float(batch.rows["bo"]["max"]) == LAB.points


def test_reading_the_secret_every_time_loses_the_caching_points_and_says_so(batch):
    assert batch.score("cy", "q3-tests-works") == 1
    assert batch.score("cy", "q3-tests-cache") == 0
    assert batch.score("cy") == LAB.points - 2
    page = batch.feedback("cy")
    assert "read the secret 3 times" in page and "CACHE_TTL_SECONDS" in page


def test_feedback_never_shows_the_hidden_grading(batch):
    for learner in ("ada", "bo", "cy"):
        page = batch.feedback(learner)
        assert "HIDDEN TESTS" not in page
        assert "ttl_seconds=1" not in page
