"""Grading where namespaces are unavailable: rlimits, scratch copy, clean environment and the Python guard."""

from __future__ import annotations

import dataclasses

import pytest
from hostile import LAB, fixtures
from labtesting import failed_cells

from grader.autograde import LabGrader, Submission
from grader.config import CoursePaths
from grader.trust import jail
from lambda_course.labs import ROOT as REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


def test_without_bubblewrap_grading_still_works_and_still_judges_outside_the_kernel(tmp_path, monkeypatch):
    monkeypatch.setattr(jail, "bwrap_path", lambda: None)
    chosen = {f.learner: f for f in fixtures() if f.learner in ("a-honest", "hook-cheat")}
    values = {"root": str(REPO_ROOT), "work": str(tmp_path / "work"), "submissions": str(tmp_path),
              "gradebook": "", "tag": "unused"}
    grader = LabGrader(dataclasses.replace(LAB, cell_timeout=20), CoursePaths(work=tmp_path / "work"))
    grader.prepare()
    results = {name: grader.grade(Submission(name, f.write(tmp_path, values))) for name, f in chosen.items()}
    honest = results["a-honest"]
    assert (honest.score, honest.notes) == (10, []), failed_cells(tmp_path / "work", "a-honest", LAB.id)
    assert (results["hook-cheat"].score, results["hook-cheat"].notes) == (0, [])
