"""The nbgrader configuration every grading step runs with, built in code so every command shares it.

What belongs to the course (its id, root and folders) comes from its settings (grader/course.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades
from traitlets.config import Config

from grader.course import settings
from grader.feedback import FeedbackExporter, HideHiddenTests, SanitizeOutputs
from grader.lateness import DailyLatePenalty
from grader.rubrics import HideRubrics
from grader.scoring import autograde_preprocessors

WORK_DIR = ".grading"
NOTEBOOK_STRUCTURE = os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}")

# A test cell fails only by raising. Anything a passing cell writes to stderr (a handler's logging.warning, a
# DeprecationWarning, the sandbox's own logs) is noise, and nbgrader would score the cell 0 for it.
STDERR_IGNORE_PATTERN = r"[\s\S]"
DEFAULT_CELL_TIMEOUT_S = 60


@dataclass(frozen=True)
class CoursePaths:
    """Where the course lives (`root`, holding its source and release folders) and where grading writes (`work`)."""

    root: Path = field(default_factory=lambda: settings().root_path())
    work: Path | None = None

    def source(self, assignment_id: str) -> Path:
        """An assignment's instructors' notebook, with solutions and hidden tests."""
        return self.root / settings().source_directory / assignment_id / f"{assignment_id}.ipynb"

    def released(self, assignment_id: str) -> Path:
        """An assignment's learners' notebook, generated from the source."""
        return self.release_dir / assignment_id / f"{assignment_id}.ipynb"

    @property
    def release_dir(self) -> Path:
        """The folder released assignments live in."""
        return self.root / settings().release_directory

    @property
    def work_dir(self) -> Path:
        """The grading working folder: `.grading/` under the root unless set."""
        return (self.work or self.root / WORK_DIR).resolve()

    def step(self, name: str) -> str:
        """A working folder as nbgrader wants it: relative to the root when inside it, absolute otherwise."""
        path = self.work_dir / name
        try:
            return str(path.relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def nbgrader_config(paths: CoursePaths | None = None, cell_timeout: int = DEFAULT_CELL_TIMEOUT_S) -> Config:
    """The traitlets Config every nbgrader converter in the course runs with."""
    paths = paths or CoursePaths()
    course = settings()
    c = kernel_config()
    c.CourseDirectory.root = str(paths.root.resolve())
    c.CourseDirectory.course_id = course.course_id
    c.CourseDirectory.directory_structure = NOTEBOOK_STRUCTURE
    c.CourseDirectory.source_directory = course.source_directory
    c.CourseDirectory.release_directory = course.release_directory
    c.CourseDirectory.submitted_directory = paths.step("submitted")
    c.CourseDirectory.autograded_directory = paths.step("autograded")
    c.CourseDirectory.feedback_directory = paths.step("feedback")
    c.CourseDirectory.solution_directory = paths.step("solution")
    c.CourseDirectory.source_with_tests_directory = paths.step("source_with_tests")
    c.CourseDirectory.db_url = f"sqlite:///{paths.work_dir / 'gradebook.db'}"
    # The timeout is set on Execute only: nbgrader's Execute.timeout overrides ExecutePreprocessor.timeout.
    c.Execute.timeout = cell_timeout
    c.Execute.interrupt_on_timeout = True
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = STDERR_IGNORE_PATTERN
    # A learner who deletes a test cell still has it run and counted.
    c.OverwriteCells.add_missing_cells = True
    # A test cell's displayed value is never read as a partial score (see scoring.py).
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
    # A late submission costs what grader/lateness.py says, whoever runs nbgrader's AssignLatePenalties step.
    c.AssignLatePenalties.plugin_class = DailyLatePenalty
    c.GenerateFeedback.preprocessors = _feedback_preprocessors()
    c.GenerateFeedback.exporter_class = FeedbackExporter
    return c


def kernel_config(sockets: Path | None = None) -> Config:
    """Kernel settings shared by grading and the self-check (nbgrader's Execute is a NotebookClient too).

    The kernel's own log is kept to errors: otherwise each run prints its notice about unencrypted local TCP,
    which tells a learner nothing. Kernels are stopped at once after the last cell: outputs are all in by
    then, and a graceful shutdown of a kernel that started the sandbox costs seconds per notebook (see
    scratch.kernel_tmpdir for the files this leaves, and how they are removed).

    Given a private folder in `sockets`, the kernel talks over unix sockets there instead of TCP ports: a
    free TCP port is picked before the kernel binds it, and two kernels starting at once can pick the same.
    """
    c = Config()
    c.NotebookClient.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
    c.NotebookClient.shutdown_kernel = "immediate"
    if sockets is not None:
        c.KernelManager.transport = "ipc"
        c.KernelManager.ip = str(sockets / "kernel")
    return c


def _feedback_preprocessors() -> list:
    """nbgrader's feedback preprocessors, plus ones that keep hidden tests and live learner markup out of it.

    The page is opened by learners and instructors, so nothing a learner's notebook displayed may run there
    (FeedbackExporter sanitises the markdown it renders as well). Written answers' rubrics stay in unless
    `c.HideRubrics.enabled = True` (see grader/rubrics.py).
    """
    return [GetGrades, HideRubrics, HideHiddenTests, SanitizeOutputs, CSSHTMLHeaderPreprocessor]
