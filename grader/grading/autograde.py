"""Autograde learners' notebooks for one lab with nbgrader, and read back each question's score."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import GenerateAssignment, GenerateFeedback

from grader.grading.config import COURSE_ID, CoursePaths, nbgrader_config
from grader.grading.labs import Lab
from grader.grading.merge import restore_lab_cells
from grader.grading.release import check_source
from grader.grading.runner import NbgraderFailed, run_converter
from grader.grading.scratch import kernel_tmpdir
from grader.grading.trust.cells import trusted_metadata
from grader.grading.trust.grading import autograde_in_jail, lower_in_gradebook, reconcile
from grader.grading.trust.jail import Limits, course_hidden_paths
from grader.grading.trust.recheck import RecheckUnavailable, recheck


@dataclass(frozen=True)
class Submission:
    """One learner's notebook for a lab."""

    learner: str
    notebook: Path


@dataclass
class Result:
    """A graded submission: points per question (test cell id), in notebook order, or why grading failed."""

    learner: str
    scores: dict[str, float] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)
    feedback: Path | None = None
    error: str = ""
    notes: list[str] = field(default_factory=list)  # what happened while grading: timeouts, disagreements

    @property
    def score(self) -> float:
        """Total points earned."""
        return sum(self.scores.values())

    @property
    def max_score(self) -> float:
        """Total points available."""
        return sum(self.max_scores.values())

    def fail(self, reason: str) -> None:
        """Make this an error result: no point of it counts; the points found so far are only noted."""
        if self.score:
            self.notes.append(f"{self.score:g} of {self.max_score:g} points were found but none count: {reason}")
        self.scores = dict.fromkeys(self.scores, 0.0)
        self.error = reason


def find_submissions(folder: Path, lab: Lab) -> list[Submission]:
    """Submissions in `folder` (`<learner>.ipynb` files or `<learner>/<lab>.ipynb` folders), by learner."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix == ".ipynb":
            found[path.stem] = path
        elif path.is_dir() and (path / f"{lab.id}.ipynb").is_file():
            found[path.name] = path / f"{lab.id}.ipynb"
    return [Submission(learner, notebook) for learner, notebook in sorted(found.items())]


class LabGrader:
    """Grades submissions of one lab in a working folder holding nbgrader's gradebook and copies."""

    limits = Limits()  # what one submission may use while it is graded (see grader/grading/trust/jail.py)

    def __init__(self, lab: Lab, paths: CoursePaths | None = None) -> None:
        self.lab = lab
        self.paths = paths or CoursePaths()
        self.config = nbgrader_config(self.paths, cell_timeout=lab.cell_timeout)
        # The gradebook is rebuilt from solutions/ in the working folder, so labs/ is never written here.
        self.config.CourseDirectory.release_directory = self.paths.step("release")

    def prepare(self) -> None:
        """Record the lab's cells, points and tests in the gradebook, from the source notebook."""
        check_source(self.lab, self.paths.root)
        self.paths.work_dir.mkdir(parents=True, exist_ok=True)
        run_converter(GenerateAssignment, self.config, self.lab.id, force=True)

    def grade(self, submission: Submission) -> Result:
        """Autograde one submission; a failure goes in the result, not raised."""
        learner = submission.learner
        try:
            notebook = nbformat.read(submission.notebook, as_version=4)
        except Exception as error:  # the learner's own file, of any content: fails only this learner's result
            reason = f"{submission.notebook.name} is not a readable notebook ({type(error).__name__})"
            return Result(learner, error=reason, max_scores=self.max_scores())
        target = self.paths.work_dir / "submitted" / learner / self.lab.id
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        # nbgrader puts back a deleted test cell only when the cell before it survived; restoring every lab
        # cell first makes any deletion safe.
        released = self._released()
        try:
            merged = restore_lab_cells(trusted_metadata(notebook, released), released)
            nbformat.write(merged, target / f"{self.lab.id}.ipynb")
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # cells or metadata of a wrong shape
            reason = f"{submission.notebook.name} has damaged cells or metadata ({type(error).__name__}: {error})"
            return Result(learner, error=reason[:300], max_scores=self.max_scores())
        hidden = self._hidden_from(submission)
        try:
            with kernel_tmpdir():
                incidents = autograde_in_jail(self.config, self.lab.id, learner, target, hidden, self.limits)
        except NbgraderFailed as failure:
            return Result(learner, error=_last_error_line(str(failure)), max_scores=self.max_scores())
        return self._rechecked(self._result(learner), target / f"{self.lab.id}.ipynb", hidden, incidents)

    def _hidden_from(self, submission: Submission) -> list[Path]:
        """What a submission's code must not see: the gradebook and copies, solutions/, other submissions."""
        self.paths.work_dir.chmod(0o700)  # without namespaces, the jail's own user is kept out by permissions
        folder = submission.notebook.parent
        others = folder.parent if folder.name == submission.learner else folder
        return course_hidden_paths(self.paths.root, self.paths.work_dir, others)

    def _rechecked(self, result: Result, notebook: Path, hidden: list[Path], incidents: list[str]) -> Result:
        """nbgrader's scores checked by re-running the source's tests outside the kernel; the lower counts."""
        if not any(result.scores.values()):  # nothing earned: a second opinion could not lower it
            result.notes = incidents
            return result
        source = self.lab.source(self.paths.root)
        try:
            second = recheck(notebook, source, hidden, self.lab.cell_timeout, self.limits)
        except RecheckUnavailable as failure:
            return Result(result.learner, error=str(failure), max_scores=result.max_scores, notes=incidents)
        result.scores, disagreements = reconcile(result.scores, second)
        db_url = self.config.CourseDirectory.db_url
        lower_in_gradebook(db_url, COURSE_ID, self.lab.id, result.learner, result.scores)
        result.notes = incidents + second.incidents + disagreements
        return result

    def write_feedback(self, results: list[Result]) -> list[Result]:
        """Write every graded learner's feedback page in one nbgrader run (its start-up is paid once).

        A learner whose grading failed gets no page: nbgrader's own scores for them may be in the gradebook,
        and a page showing them (or an older one) would mislead.
        """
        graded = [r for r in results if not r.error]
        if graded:
            try:
                run_converter(GenerateFeedback, self.config, self.lab.id, "*", force=True)
            except NbgraderFailed as failure:
                for result in graded:
                    result.fail(f"feedback not written: {_last_error_line(str(failure))}")
        for result in results:
            path = self.feedback_path(result.learner)
            if result.error:
                shutil.rmtree(path.parent, ignore_errors=True)
            result.feedback = path if path.exists() else None
        return results

    def _released(self) -> nbformat.NotebookNode:
        """The learners' version of the lab, as prepare() generated it from the source."""
        path = self.paths.work_dir / "release" / self.lab.id / f"{self.lab.id}.ipynb"
        return nbformat.read(path, as_version=4)

    def max_scores(self) -> dict[str, float]:
        """Points available per question, in notebook order."""
        return dict(graded_cells(self.lab.source(self.paths.root)))

    def feedback_path(self, learner: str) -> Path:
        """Where the learner's feedback page is written."""
        return self.paths.work_dir / "feedback" / learner / self.lab.id / f"{self.lab.id}.html"

    def _result(self, learner: str) -> Result:
        """Read a graded submission's scores from the gradebook."""
        with Gradebook(self.config.CourseDirectory.db_url, COURSE_ID) as gradebook:
            submitted = gradebook.find_submission_notebook(self.lab.id, self.lab.id, learner)
            grades = {g.name: g for g in submitted.grades}
        max_scores = self.max_scores()
        scores = {name: float(grades[name].score or 0) if name in grades else 0.0 for name in max_scores}
        return Result(learner, scores, max_scores)


def graded_cells(notebook: Path) -> list[tuple[str, float]]:
    """(grade id, points) of each graded cell of a notebook, in order."""
    cells = nbformat.read(notebook, as_version=4).cells
    marks = [c.metadata.get("nbgrader", {}) for c in cells]
    return [(m["grade_id"], float(m.get("points", 0))) for m in marks if m.get("grade")]


def _last_error_line(text: str) -> str:
    """The most telling line of an nbgrader failure, for a one-line report."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("[ERROR]") and "Traceback" not in line]
    return (errors[0] if errors else lines[0] if lines else "grading failed").removeprefix("[ERROR] ")
