"""Lab 7 graded end to end with nbgrader: the reference solution, the released stub and a handler that reads
the secret on every invocation, graded in one `lambda-course grade` run shared by every assertion."""

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

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab7-grading")]

LAB = lab("lab7-secrets")
UNCACHED = '    if _token_cache["value"] is None or age > CACHE_TTL_SECONDS:'


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


def no_cache() -> nbformat.NotebookNode:
    """The solution's answers, except a handler that fetches the token on every invocation."""
    nb, solution = released_nb(), solution_nb()
    for c in solution.cells:
        if c.metadata.get("nbgrader", {}).get("solution"):
            helpers.cell(nb, c.metadata["nbgrader"]["grade_id"]).source = c.source
    handler_cell = helpers.cell(nb, "q3-answer")
    assert UNCACHED in handler_cell.source
    handler_cell.source = handler_cell.source.replace(UNCACHED, "    if True:")
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    from grader.cli import main

    submissions = tmp_path_factory.mktemp("lab7-submissions")
    work = tmp_path_factory.mktemp("lab7-work")
    nbformat.write(solution_nb(), submissions / "ada.ipynb")
    nbformat.write(released_nb(), submissions / "bo.ipynb")
    nbformat.write(no_cache(), submissions / "cy.ipynb")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = main(["grade", LAB.id, str(submissions), "--work", str(work)])
    with (work / f"{LAB.id}-scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return helpers.GradedBatch(exit_code, output.getvalue(), rows, work, LAB.id)


def test_the_release_is_up_to_date_and_points_add_up():
    from grader.grading.release import notebook_points

    assert notebook_points(solution_nb()) == LAB.points == 10
    released = released_nb()
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
    assert "### BEGIN HIDDEN TESTS" not in nbformat.writes(released)
    assert "get_secret_value" not in helpers.cell(released, "q3-answer").source
    assert "EncryptionContext" not in helpers.cell(released, "q2-answer").source


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
