"""A small mixed class of lab 1, graded one at a time and on a Dask LocalCluster."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from class_runs import BEFORE_DUE, ClassRun, run_grade, write_class


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    write_class(folder)
    return folder


@pytest.fixture(scope="module")
def sequential(class_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> ClassRun:
    """The class graded here, one submission at a time."""
    return run_grade(str(class_folder), "--workers", "1", work=tmp_path_factory.mktemp("sequential"))


@pytest.fixture(scope="module")
def on_dask(class_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> ClassRun:
    """The same class graded by two worker processes of a Dask LocalCluster."""
    return run_grade(str(class_folder), "--workers", "2", work=tmp_path_factory.mktemp("dask"))


@pytest.fixture(scope="module")
def regraded(sequential: ClassRun, class_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sequential run's folder after bo handed in a correct notebook and was regraded alone."""
    from lab1_submissions import solution_nb

    before = sequential.rows()
    work = tmp_path_factory.mktemp("regrade") / "work"
    shutil.copytree(sequential.work, work)
    folder = tmp_path_factory.mktemp("class-again")
    write_class(folder)
    nbformat.write(solution_nb(), folder / "bo.ipynb")
    os.utime(folder / "bo.ipynb", (BEFORE_DUE, BEFORE_DUE))
    return before, run_grade(str(folder), "--learner", "bo", work=work)
