"""Fixtures for the grading tests: one graded batch of lab 1 submissions, and a disposable course copy."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

# Loadable by path from other labs' grading tests: only the package is imported at module level.
from grader.grading.merge import cell_by_id as cell  # noqa: F401 - those tests use it as helpers.cell


@dataclass
class GradedBatch:
    """The outcome of one `lambda-course grade` run: exit code, printed text, CSV rows, working folder."""

    exit_code: int
    output: str
    rows: dict[str, dict[str, str]]
    work: Path
    lab_id: str = "lab1-first-handler"

    def score(self, learner: str, question: str | None = None) -> float:
        """A learner's total, or one question's points, from the CSV."""
        return float(self.rows[learner]["total" if question is None else question])

    def feedback(self, learner: str) -> str:
        """The learner's feedback page."""
        return (self.work / "feedback" / learner / self.lab_id / f"{self.lab_id}.html").read_text()


@pytest.fixture(scope="module")
def graded_batch(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """Grade six submissions in one run (two layouts: a bare notebook and a learner folder)."""
    from lab1_submissions import (
        LAB,
        noisy_reference,
        partial_with_deleted_and_edited_tests,
        released_nb,
        solution_nb,
    )

    from grader.cli import main

    submissions = tmp_path_factory.mktemp("submissions")
    work = tmp_path_factory.mktemp("grading-work")
    nbformat.write(solution_nb(), submissions / "ada.ipynb")
    nbformat.write(released_nb(), submissions / "bo.ipynb")
    (submissions / "cy").mkdir()
    nbformat.write(partial_with_deleted_and_edited_tests(), submissions / "cy" / f"{LAB.id}.ipynb")
    nbformat.write(noisy_reference(), submissions / "dee.ipynb")
    (submissions / "eve.ipynb").write_text('{"cells": [')  # a file broken beyond reading
    own_code = nbformat.v4.new_code_cell("def handler(event, context):\n    pass")
    own_notebook = nbformat.v4.new_notebook(cells=[own_code])
    nbformat.write(own_notebook, submissions / "fay.ipynb")  # none of the lab's cells left
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = main(["grade", LAB.id, str(submissions), "--work", str(work)])
    with (work / f"{LAB.id}-scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return GradedBatch(exit_code, output.getvalue(), rows, work, LAB.id)


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of the course's solutions/ and labs/ in a temporary root, safe to change."""
    from grader.grading.config import REPO_ROOT

    for folder in ("solutions", "labs"):
        ignore = shutil.ignore_patterns(".ipynb_checkpoints")
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder, ignore=ignore)
    return tmp_path
