"""Testing a lab end to end, the way its author would: grade a few notebooks with the real `grade` command.

    batch = grade_notebooks(lab, {"ada": solution(lab), "bo": released(lab),
                                  "cy": answered(lab, {"q1-answer": WRONG_HANDLER})}, tmp_path)
    assert batch.score("ada") == lab.points and "hint" in batch.feedback("cy")
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nbformat
from nbgrader.api import Gradebook

from grader.course import settings
from grader.merge import cell_by_id
from lambda_course.labs import Lab

T = TypeVar("T")


@dataclass
class GradedBatch:
    """The outcome of one `lambda-course grade` run: exit code, printed text, CSV rows, working folder."""

    exit_code: int
    output: str
    rows: dict[str, dict[str, str]]
    work: Path
    lab_id: str

    def score(self, learner: str, question: str | None = None) -> float:
        """A learner's total, or one question's points, from the CSV."""
        return float(self.rows[learner]["total" if question is None else question])

    def feedback(self, learner: str) -> str:
        """The learner's feedback page."""
        return (self.work / "feedback" / learner / self.lab_id / f"{self.lab_id}.html").read_text()


def solution(lab: Lab) -> nbformat.NotebookNode:
    """The instructors' notebook: every answer and every test, hidden ones included."""
    return nbformat.read(lab.source(), as_version=4)


def released(lab: Lab) -> nbformat.NotebookNode:
    """The learners' notebook as released: stubs where the answers go."""
    return nbformat.read(lab.released(), as_version=4)


def answered(lab: Lab, changes: Mapping[str, str] | None = None) -> nbformat.NotebookNode:
    """The released notebook with the solution's answers typed in, except the cells in `changes` (id -> source)."""
    notebook = released(lab)
    for source_cell in solution(lab).cells:
        marks = source_cell.metadata.get("nbgrader", {})
        if marks.get("solution"):
            cell_by_id(notebook, marks["grade_id"]).source = source_cell.source
    for grade_id, source in (changes or {}).items():
        cell_by_id(notebook, grade_id).source = source
    return notebook


def grade_notebooks(lab: Lab, notebooks: Mapping[str, nbformat.NotebookNode], folder: Path) -> GradedBatch:
    """Grade each learner's notebook with `lambda-course grade` in `folder`; return what it printed and scored."""
    submissions = folder / "submissions"
    submissions.mkdir(parents=True)
    for learner, notebook in notebooks.items():
        nbformat.write(notebook, submissions / f"{learner}.ipynb")
    return grade_folder(lab, submissions, folder / "work")


def grade_folder(lab: Lab, submissions: Path, work: Path) -> GradedBatch:
    """Grade a folder of submissions with `lambda-course grade`, working in `work`; what it printed and scored."""
    from lambda_course.cli import main

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = main(["grade", lab.id, str(submissions), "--work", str(work)])
    with (work / f"{lab.id}-scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return GradedBatch(exit_code, output.getvalue(), rows, work, lab.id)


def once_per_run(tmp_path_factory: Any, key: str, compute: Callable[[Path], T]) -> T:
    """Compute an expensive fixture once per test run, even when pytest-xdist runs its tests on several workers.

    The first worker to ask computes it in a shared folder and pickles the result; a worker asking later waits
    for that and loads it, instead of grading the same notebooks again.
    """
    base = Path(tmp_path_factory.getbasetemp())
    shared = base.parent if base.name.startswith("popen-gw") else base
    folder, saved = shared / f"once-{key}", shared / f"once-{key}.pickle"
    with (shared / f"once-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        folder.mkdir(parents=True, exist_ok=True)
        result = compute(folder)
        saved.write_bytes(pickle.dumps(result))
        return result


def graded_once(tmp_path_factory: Any, lab: Lab, notebooks: Mapping[str, nbformat.NotebookNode]) -> GradedBatch:
    """`grade_notebooks` for a module-scoped fixture: graded once per test run, shared by every worker."""
    return once_per_run(tmp_path_factory, lab.id, lambda folder: grade_notebooks(lab, notebooks, folder))


def needs_manual_grade(batch: GradedBatch, learner: str) -> dict[str, bool]:
    """Each graded cell of a learner's submission and whether nbgrader's gradebook (the formgrader's view) marks
    it as needing a manual grade."""
    with Gradebook(f"sqlite:///{batch.work / 'gradebook.db'}", settings().course_id) as gradebook:
        notebook = gradebook.find_submission_notebook(batch.lab_id, batch.lab_id, learner)
        return {grade.name: bool(grade.needs_manual_grade) for grade in notebook.grades}


def failed_cells(work: Path, learner: str, lab_id: str) -> list[str]:
    """What each test cell that failed printed, from the learner's autograded notebook: for assertion messages."""
    found = sorted((work / "autograded" / learner).rglob(f"{lab_id}.ipynb"))
    if not found:
        return [f"no autograded notebook for {learner}"]
    cells = nbformat.read(found[0], as_version=4).cells
    return [f"{cell.metadata.get('nbgrader', {}).get('grade_id')}: {out.get('ename')}: {out.get('evalue')}"
            for cell in cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
