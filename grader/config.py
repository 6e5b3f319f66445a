"""The nbgrader configuration for this course, built in code so every command shares one source of truth."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from grader.feedback import FeedbackExporter, HideHiddenTests, SanitizeOutputs
from grader.scoring import autograde_preprocessors

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = "solutions"
RELEASE_DIR = "labs"
WORK_DIR = ".grading"
COURSE_ID = "lambda-course"
NOTEBOOK_STRUCTURE = os.path.join("{nbgrader_step}", "{student_id}", "{assignment_id}")

# A test cell fails only by raising. Anything a passing cell writes to stderr (a handler's logging.warning, a
# DeprecationWarning, the sandbox's own logs) is noise, and nbgrader would score the cell 0 for it.
STDERR_IGNORE_PATTERN = r"[\s\S]"
DEFAULT_CELL_TIMEOUT_S = 60


@dataclass(frozen=True)
class CoursePaths:
    """Where the course lives (`root`, holding solutions/ and labs/) and where grading writes (`work`)."""

    root: Path = REPO_ROOT
    work: Path | None = None

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
    c = kernel_config()
    c.CourseDirectory.root = str(paths.root.resolve())
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.directory_structure = NOTEBOOK_STRUCTURE
    c.CourseDirectory.source_directory = SOURCE_DIR
    c.CourseDirectory.release_directory = RELEASE_DIR
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
    (FeedbackExporter sanitises the markdown it renders as well).
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    return [GetGrades, HideHiddenTests, SanitizeOutputs, CSSHTMLHeaderPreprocessor]
