"""What every graded lab promises, written once: a lab's test module subclasses `LabContract` as `TestGrading`.

    class TestGrading(LabContract):
        LAB, POINTS = lab("lab5-least-privilege"), 10
        RELEASED_CELLS_OMIT = {"q1-answer": ("lab5-thumbnails/thumbs/*",)}
        FEEDBACK_OMITS = ("pass-role",)

        @classmethod
        def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
            return {"cy": labtesting.answered(cls.LAB, {"q1-answer": STAR_POLICY})}

        def test_a_role_that_allows_everything_loses_the_least_privilege_points(self, batch): ...

The batch grades the reference solution as "ada", the released stub as "bo" and the lab's typical mistakes, once
per test run (`labtesting.graded_once`); keep the module's `xdist_group` mark so that one worker grades it.
This module holds no tests of its own: pytest collects only the `Test*` subclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import labtesting
import nbformat
import pytest

from grader.export import AWAITING
from grader.merge import cell_by_id
from lambda_course.labs import Lab

SOLUTION, STUB = "ada", "bo"


def manual_cells(lab: Lab) -> dict[str, float]:
    """The lab's manually graded answer cells (grade id -> points): nbgrader leaves them to an instructor."""
    marks = [c.metadata.get("nbgrader", {}) for c in labtesting.solution(lab).cells]
    return {m["grade_id"]: float(m.get("points", 0)) for m in marks if m.get("grade") and m.get("solution")}


def autograded_points(lab: Lab) -> float:
    """The points the autograder can give: the lab's total less its manually graded answers."""
    return lab.points - sum(manual_cells(lab).values())


def with_sources(notebook: nbformat.NotebookNode, sources: Mapping[str, str]) -> nbformat.NotebookNode:
    """`notebook` with the cells in `sources` (grade id -> source) rewritten: a mistake typed into a whole notebook."""
    for grade_id, source in sources.items():
        cell_by_id(notebook, grade_id).source = source
    return notebook


@pytest.mark.slow
@pytest.mark.notebook
class LabContract:
    """The release, full marks, zero marks and hidden-grading checks shared by every lab's `TestGrading`."""

    LAB: ClassVar[Lab]
    POINTS: ClassVar[int]  # the lab's total as the course states it: labs.toml and the notebook must agree
    RELEASED_TEXT_OMITS: ClassVar[tuple[str, ...]] = ()  # solution text nowhere in the released notebook file
    RELEASED_CELLS_OMIT: ClassVar[dict[str, tuple[str, ...]]] = {}  # grade id -> text not in that released cell
    FEEDBACK_OMITS: ClassVar[tuple[str, ...]] = ()  # hidden-test text no learner's feedback page may show

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """The lab's typical wrong notebooks by learner, graded alongside the solution and the stub."""
        return {}

    @pytest.fixture(scope="class")
    @classmethod
    def batch(cls, tmp_path_factory: pytest.TempPathFactory) -> labtesting.GradedBatch:
        """The solution, the stub and the mistakes graded in one `lambda-course grade` run, once per test run."""
        notebooks = {SOLUTION: labtesting.solution(cls.LAB), STUB: labtesting.released(cls.LAB)}
        return labtesting.graded_once(tmp_path_factory, cls.LAB, notebooks | cls.mistakes())

    def test_the_release_is_up_to_date_and_points_add_up(self):
        from grader.release import notebook_points

        assert notebook_points(labtesting.solution(self.LAB)) == self.LAB.points == self.POINTS
        released = labtesting.released(self.LAB)
        assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
        text = nbformat.writes(released)
        assert "### BEGIN HIDDEN TESTS" not in text
        assert [s for s in self.RELEASED_TEXT_OMITS if s in text] == []
        for grade_id, omitted in self.RELEASED_CELLS_OMIT.items():
            source = cell_by_id(released, grade_id).source
            assert [s for s in omitted if s in source] == [], grade_id

    def test_the_reference_solution_scores_full_marks(self, batch: labtesting.GradedBatch):
        assert batch.exit_code == 0, batch.output
        assert batch.score(SOLUTION) == autograded_points(self.LAB), batch.rows[SOLUTION]
        assert {cell: batch.rows[SOLUTION][cell] for cell in manual_cells(self.LAB)} == dict.fromkeys(
            manual_cells(self.LAB), AWAITING)

    def test_written_answers_await_manual_grading_in_the_report_and_the_gradebook(self, batch):
        manual = manual_cells(self.LAB)
        if not manual:
            pytest.skip("this lab has no manually graded answers")
        assert AWAITING in batch.output and "formgrader" in batch.output
        canvas = (batch.work / f"{self.LAB.id}-canvas.csv").read_text().splitlines()
        assert [row for row in canvas if row.startswith(f"{SOLUTION},")] == [f"{SOLUTION},,,{SOLUTION},,"]
        pending = labtesting.needs_manual_grade(batch, SOLUTION)
        assert {cell: pending[cell] for cell in manual} == dict.fromkeys(manual, True)
        assert not any(flag for cell, flag in pending.items() if cell not in manual)
        unanswered = labtesting.needs_manual_grade(batch, STUB)  # a stub left as released is nothing to grade
        assert {cell: unanswered[cell] for cell in manual} == dict.fromkeys(manual, False)

    def test_the_released_stub_scores_zero(self, batch: labtesting.GradedBatch):
        assert batch.score(STUB) == 0
        assert float(batch.rows[STUB]["max"]) == self.LAB.points

    def test_feedback_never_shows_the_hidden_grading(self, batch: labtesting.GradedBatch):
        for learner in batch.rows:
            page = batch.feedback(learner)
            assert "HIDDEN TESTS" not in page, learner
            assert [s for s in self.FEEDBACK_OMITS if s in page] == [], learner
