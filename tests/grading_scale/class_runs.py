"""Helpers for the class-scale tests: a small mixed class of lab 1, and running the grade command on it."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))  # for lab1_submissions

DUE = "2026-03-02T00:00:00Z"
BEFORE_DUE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
CY_HANDED_IN = "2026-03-03 02:00:00 UTC"  # 26 hours late: two started days


@dataclass
class ClassRun:
    """One `lambda-course grade` run: exit code, printed text, scores and Canvas CSV rows, working folder."""

    exit_code: int
    output: str
    work: Path
    lab_id: str

    def rows(self) -> dict[str, dict[str, str]]:
        """The scores CSV, by learner."""
        with (self.work / f"{self.lab_id}-scores.csv").open() as handle:
            return {row["learner"]: row for row in csv.DictReader(handle)}

    def canvas(self) -> list[list[str]]:
        """The Canvas CSV, as rows of cells."""
        with (self.work / f"{self.lab_id}-canvas.csv").open() as handle:
            return list(csv.reader(handle))


def write_class(folder: Path) -> None:
    """ada: correct; bo: the stub; cy (own folder, 26 h late by timestamp.txt): 2 questions; eve: broken."""
    from lab1_submissions import LAB, answered, released_nb, solution_nb

    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(solution_nb(), folder / "ada.ipynb")
    nbformat.write(released_nb(), folder / "bo.ipynb")
    (folder / "cy").mkdir(exist_ok=True)
    nbformat.write(answered(["q1-answer", "q2-answer"]), folder / "cy" / f"{LAB.id}.ipynb")
    (folder / "cy" / "timestamp.txt").write_text(CY_HANDED_IN + "\n")
    (folder / "eve.ipynb").write_text('{"cells": [')
    for name in ("ada.ipynb", "bo.ipynb", "eve.ipynb"):
        os.utime(folder / name, (BEFORE_DUE, BEFORE_DUE))


def run_grade(*args: str, work: Path) -> ClassRun:
    """Run the grade command in this process and capture what it prints."""
    from lab1_submissions import LAB

    from lambda_course.cli import main

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main(["grade", LAB.id, *args, "--work", str(work), "--due", DUE])
    return ClassRun(code, output.getvalue(), work, LAB.id)
