"""A learner's self-check: run their lab notebook with the released (visible) tests; explain each result."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from grader.assignments import Assignment, catalogue
from grader.config import CoursePaths, kernel_config
from grader.merge import grade_id, is_test, restore_lab_cells
from grader.messages import error_message, first_error
from grader.scratch import kernel_tmpdir

_WIDTH = 100


class SelfCheckError(RuntimeError):
    """The notebook could not be checked at all (not a lab notebook, or the kernel died)."""


@dataclass(frozen=True)
class TestResult:
    """One graded test cell: what it checks, its points, and its message when it failed.

    A failure's hint, if the course gives its tests hints, is part of the message: the test cell adds it when a
    check fails, so the learner reads it under the cell too, and never before a test has failed.
    """

    grade_id: str | None  # None for a graded cell the learner added themselves (see merge.grade_id)
    title: str
    points: float
    passed: bool
    message: str = ""


@dataclass
class SelfCheck:
    """Every visible test's result, plus errors raised by the learner's own answer cells."""

    lab: Assignment
    tests: list[TestResult] = field(default_factory=list)
    answer_errors: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every visible test passes."""
        return all(test.passed for test in self.tests)

    @property
    def points(self) -> float:
        """Points of the visible tests that pass."""
        return sum(test.points for test in self.tests if test.passed)

    @property
    def max_points(self) -> float:
        """Points of all graded test cells."""
        return sum(test.points for test in self.tests)


def run_self_check(path: Path, root: Path | None = None) -> SelfCheck:
    """Execute the learner's notebook, its test cells restored from the released lab, and read the results."""
    learner_nb = _read(path)
    lab = lab_for(path, learner_nb, root)
    released = (CoursePaths(root) if root else CoursePaths()).released(lab.id)
    nb = restore_lab_cells(learner_nb, nbformat.read(released, as_version=4))
    try:
        with kernel_tmpdir() as scratch:
            NotebookClient(
                nb,
                timeout=lab.cell_timeout,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": str(path.resolve().parent)}},
                config=kernel_config(sockets=scratch),
            ).execute()
    except DeadKernelError:
        raise SelfCheckError(
            "Python stopped while running your notebook (it may have run out of memory). "
            "Look for code that builds something huge or recurses without end."
        ) from None
    return read_results(lab, nb)


def _read(path: Path) -> NotebookNode:
    """Read a notebook, with a plain message when the file is missing or is not a notebook."""
    if not path.is_file():
        raise SelfCheckError(f"There is no notebook at {path}.")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # the learner's own file, of any content: reported to them as SelfCheckError
        raise SelfCheckError(f"{path} could not be read as a notebook ({type(error).__name__}).") from None


def lab_for(path: Path, nb: NotebookNode, root: Path | None = None) -> Assignment:
    """The lab a notebook belongs to: by its file name, or else by the graded cells it shares with a lab."""
    labs, paths = catalogue(), CoursePaths(root) if root else CoursePaths()
    if path.stem in labs:
        return labs[path.stem]
    ids = {grade_id(cell) for cell in nb.cells} - {None}
    for lab in labs.values():
        released = nbformat.read(paths.released(lab.id), as_version=4)
        if ids & {grade_id(cell) for cell in released.cells if is_test(cell)}:
            return lab
    raise SelfCheckError(f"{path.name} is not one of the course's labs ({', '.join(labs)}).")


def read_results(lab: Assignment, nb: NotebookNode) -> SelfCheck:
    """Turn an executed notebook into test results and answer-cell errors."""
    check = SelfCheck(lab)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        error = first_error(cell.get("outputs", []))
        if is_test(cell):
            points = float(cell.metadata["nbgrader"].get("points", 0))
            message = error_message(error) if error else ""
            check.tests.append(TestResult(grade_id(cell), _title(cell), points, error is None, message))
        elif error and error.get("ename") != "NotImplementedError":
            check.answer_errors[grade_id(cell) or "a cell you added"] = error_message(error)
    return check


def _title(cell: NotebookNode) -> str:
    """A test cell's title, from its `# Test:` comment line (else its grade id)."""
    for line in cell.source.splitlines():
        text = line.strip()
        if text.startswith("# Test:"):
            return text.removeprefix("# Test:").strip()
    return grade_id(cell) or "test"


def report(check: SelfCheck) -> str:
    """The self-check as text a learner reads in a terminal."""
    lines = [f"Self-check of {check.lab.id}: {check.lab.title}", ""]
    for cell_id, message in check.answer_errors.items():
        lines += [f"  Your code in cell {cell_id!r} stopped with an error:", *_wrapped(message), ""]
    width = max((len(f"{t.points:g}") for t in check.tests), default=1)
    for test in check.tests:
        earned = test.points if test.passed else 0
        verdict = "PASS" if test.passed else "FAIL"
        lines.append(f"  {verdict}  {earned:>{width}g}/{test.points:<{width}g}  {test.title}")
        if not test.passed:
            lines += _wrapped(test.message)
    lines += ["", f"Visible tests: {check.points:g} of {check.max_points:g} points pass."]
    if check.passed:
        lines += textwrap.wrap(
            "All visible tests pass. Grading also runs hidden tests on the edge cases the questions "
            "describe, so read their rules once more before you hand in.",
            _WIDTH,
        )
    else:
        lines.append("Fix the first failing test first: later ones often fail for the same reason.")
    return "\n".join(lines)


def _wrapped(text: str, indent: str = " " * 8) -> list[str]:
    """A message's lines wrapped to the terminal report's width, indented under its test."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines += textwrap.wrap(paragraph, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]
    return lines
