"""A class's grades, exported from nbgrader's gradebook by nbgrader's own export plugins: a scores CSV and a
Canvas gradebook CSV.

The gradebook (gradebook.db) is the one store of grades. Each learner's latest grading is their submission
there, with its time and its late penalty (as nbgrader's AssignLatePenalties wrote it, see lateness.py), so
the exports always list everybody the gradebook holds for the assignment: regrading some learners rewrites
them with the others as they were. Grading errors are not grades: a learner whose grading failed has no
submission in the gradebook, and the reason is kept in the grading problems file beside it (problems.py). The
scores CSV shows it in its error column, with no points; the Canvas CSV leaves that learner's cell empty,
which Canvas leaves ungraded rather than recording a zero. Should a learner have both (a later `nbgrader
autograde` graded them), the grade in the gradebook is what counts.

    ScoresCsvExport   one assignment, a row per learner: each question's points ("awaiting manual grading" for a
                      manually graded answer not graded yet), the points before any late penalty, the days
                      late, the penalty, the total that counts so far, the maximum, the submission time and
                      any grading error
    CanvasCsvExport   Canvas's gradebook import: the five fixed columns, a "Title (id)" column per assignment,
                      a Points Possible row, a row per learner (matched by SIS Login ID, their student id);
                      empty while any of the learner's answers awaits manual grading

Both are nbgrader ExportPlugins (`to`, `assignment` and `student` are nbgrader's own options), so nbgrader's
command runs them too, from a course folder or given `--db`:

    nbgrader export --exporter=grader.export.CanvasCsvExport --to=canvas.csv
    nbgrader export --exporter=grader.export.ScoresCsvExport --assignment=lab1-first-handler
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Dict, List, Unicode

from grader import problems as problem_file
from grader.assignments import assignment as course_assignment
from grader.course import CourseNotConfigured
from grader.lateness import days_late, seconds_late
from grader.problems import Problem

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
AWAITING = "awaiting manual grading"  # a manually graded cell's entry until an instructor has graded it
SCORES_LATENESS = ["points", "days_late", "late_penalty", "total", "max", "submitted"]


@dataclass(frozen=True)
class Row:
    """One learner's grade for an assignment as the gradebook holds it, or the problem that stands for it."""

    learner: str
    scores: dict[str, float] = field(default_factory=dict)  # points per question
    points: float = 0.0  # before any late penalty
    max_score: float = 0.0
    penalty: float = 0.0
    seconds_late: float = 0.0
    submitted: datetime | None = None
    error: str = ""
    pending: frozenset[str] = frozenset()  # manually graded cells no instructor has graded yet

    @property
    def total(self) -> float:
        """The points that count: earned, less the late penalty (nothing after a grading error)."""
        return 0.0 if self.error else round(max(0.0, self.points - self.penalty), 4)

    @property
    def days_late(self) -> int:
        """Whole started days after the due date."""
        return days_late(self.seconds_late)


def assignment_rows(gradebook: Gradebook, name: str, problems_by_learner: Mapping[str, Problem]) -> list[Row]:
    """Every learner's row for assignment `name`, by learner: their submission, else their problem."""
    try:
        found = gradebook.find_assignment(name)
    except MissingEntry:  # nothing graded yet: only problems
        found = None
    max_score = float(found.max_score or 0) if found else 0.0
    due = _utc(found.duedate) if found else None
    by_learner: dict[str, Row] = {}
    for submission in gradebook.assignment_submissions(name) if found else []:
        grades = [grade for notebook in submission.notebooks for grade in notebook.grades]
        by_learner[submission.student.id] = Row(
            submission.student.id, {grade.name: float(grade.score or 0) for grade in grades},
            float(submission.score or 0), max_score,
            penalty=float(submission.late_submission_penalty or 0), seconds_late=submission.total_seconds_late,
            submitted=_utc(submission.timestamp),
            pending=frozenset(grade.name for grade in grades if grade.needs_manual_grade))
    for learner, problem in problems_by_learner.items():
        if learner not in by_learner:
            by_learner[learner] = Row(learner, max_score=max_score, seconds_late=seconds_late(problem.submitted, due),
                                      submitted=problem.submitted, error=problem.error)
    return [by_learner[learner] for learner in sorted(by_learner)]


class GradebookExport(ExportPlugin):
    """An export of the gradebook together with its grading problems (see the module docstring)."""

    problems = Unicode("", help="The grading problems file; by default grading-problems.json beside a sqlite "
                                "gradebook.").tag(config=True)

    def assignments(self, gradebook: Gradebook) -> list[str]:
        """The assignments to export: those asked for, else every one in the gradebook."""
        return [str(name) for name in self.assignment] or [found.name for found in gradebook.assignments]

    def rows(self, gradebook: Gradebook, name: str) -> list[Row]:
        """The rows of an assignment, of the students asked for (all when none are)."""
        wanted = {str(student) for student in self.student}
        return [row for row in assignment_rows(gradebook, name, self._problems(gradebook, name))
                if not wanted or row.learner in wanted]

    def _problems(self, gradebook: Gradebook, name: str) -> dict[str, Problem]:
        """The assignment's grading problems: from the file named, else the one beside a sqlite gradebook."""
        path = Path(self.problems) if self.problems else problem_file.beside(str(gradebook.engine.url))
        return problem_file.read(path, name)


class ScoresCsvExport(GradebookExport):
    """The scores CSV of one assignment (the module docstring lists its columns)."""

    questions = List(Unicode(), help="The graded cells, in column order (default: as the gradebook lists "
                                     "them).").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        names = self.assignments(gradebook)
        if len(names) != 1:
            raise ValueError(f"the scores CSV is of one assignment; name one of {', '.join(names)} with --assignment")
        name = names[0]
        questions = [str(question) for question in self.questions] or _cells(gradebook, name)
        path = Path(self.to or f"{name}-scores.csv")
        self.log.info("Exporting the scores of %s to %s", name, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["learner", *questions, *SCORES_LATENESS, "error"])
            for row in self.rows(gradebook, name):
                points = [AWAITING if question in row.pending else f"{row.scores.get(question, 0):g}"
                          for question in questions]
                late = [f"{row.points:g}", f"{row.days_late}", f"{row.penalty:g}", f"{row.total:g}"]
                when = row.submitted.isoformat(timespec="seconds") if row.submitted else ""
                writer.writerow([row.learner, *points, *late, f"{row.max_score:g}", when, row.error])


class CanvasCsvExport(GradebookExport):
    """Canvas's gradebook import, a column per assignment; an empty cell where a learner has no grade.

    Only students of the gradebook get a row (a name that cannot be a student id never does). Canvas matches
    them by SIS Login ID, the id their submissions were filed under.
    """

    titles = Dict(value_trait=Unicode(), help="Column titles by assignment (default: the course's title for it, "
                                              "else its name).").tag(config=True)
    canvas_ids = Dict(value_trait=Unicode(), help="Canvas's assignment ids by assignment, shown in the column "
                                                  "titles (default: the assignment's own name).").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        names = self.assignments(gradebook)
        path = Path(self.to or "canvas.csv")
        self.log.info("Exporting %s for Canvas to %s", ", ".join(names), path)
        students = {student.id for student in gradebook.students}
        columns: list[str] = []
        possible: list[str] = []
        cells: dict[str, dict[str, str]] = {}
        for name in names:
            columns.append(f"{self._title(name)} ({self.canvas_ids.get(name, name)})")
            possible.append(_points_possible(gradebook, name))
            for row in self.rows(gradebook, name):
                if row.learner in students:
                    final = not row.error and not row.pending  # a total still awaiting manual grades is no grade
                    cells.setdefault(row.learner, {})[name] = f"{row.total:g}" if final else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*CANVAS_FIXED, *columns])
            writer.writerow(["Points Possible", "", "", "", "", *possible])
            for learner in sorted(cells):
                writer.writerow([learner, "", "", learner, "", *(cells[learner].get(name, "") for name in names)])

    def _title(self, name: str) -> str:
        if name in self.titles:
            return str(self.titles[name])
        try:
            return course_assignment(name).title
        except (CourseNotConfigured, KeyError):  # no course installed, or not one of its assignments
            return name


def _cells(gradebook: Gradebook, name: str) -> list[str]:
    """An assignment's graded cells, as the gradebook lists them."""
    try:
        found = gradebook.find_assignment(name)
    except MissingEntry:
        return []
    return [cell.name for notebook in found.notebooks for cell in notebook.grade_cells]


def _points_possible(gradebook: Gradebook, name: str) -> str:
    try:
        return f"{float(gradebook.find_assignment(name).max_score or 0):g}"
    except MissingEntry:
        return ""


def _utc(moment: Any) -> datetime | None:
    """A time from the gradebook (naive UTC) as an aware one."""
    return moment.replace(tzinfo=UTC) if moment is not None else None
