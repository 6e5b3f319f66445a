"""Fixtures for the grading tests: one graded batch of lab 1 submissions, and a disposable course copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import labtesting
import nbformat
import pytest
from labtesting import GradedBatch, once_per_run


@pytest.fixture(scope="module")
def graded_batch(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The six submissions below, graded once per test run and shared by every xdist worker."""
    return once_per_run(tmp_path_factory, "lab1-e2e", _grade_six)


def _grade_six(folder: Path) -> GradedBatch:
    """Grade six submissions in one run (two layouts: a bare notebook and a learner folder)."""
    from lab1_submissions import (
        LAB,
        noisy_reference,
        partial_with_deleted_and_edited_tests,
        released_nb,
        solution_nb,
    )

    submissions, work = folder / "submissions", folder / "work"
    submissions.mkdir()
    nbformat.write(solution_nb(), submissions / "ada.ipynb")
    nbformat.write(released_nb(), submissions / "bo.ipynb")
    (submissions / "cy").mkdir()
    nbformat.write(partial_with_deleted_and_edited_tests(), submissions / "cy" / f"{LAB.id}.ipynb")
    nbformat.write(noisy_reference(), submissions / "dee.ipynb")
    (submissions / "eve.ipynb").write_text('{"cells": [')  # a file broken beyond reading
    own_code = nbformat.v4.new_code_cell("def handler(event, context):\n    pass")
    own_notebook = nbformat.v4.new_notebook(cells=[own_code])
    nbformat.write(own_notebook, submissions / "fay.ipynb")  # none of the lab's cells left
    return labtesting.grade_folder(LAB, submissions, work)


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of the course's solutions/ and labs/ in a temporary root, safe to change."""
    from lambda_course.labs import ROOT as REPO_ROOT

    for folder in ("solutions", "labs"):
        ignore = shutil.ignore_patterns(".ipynb_checkpoints")
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder, ignore=ignore)
    return tmp_path
