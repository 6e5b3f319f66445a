"""Whether test runs are jailed: while a lab is graded, each run of a learner's tests gets a fresh jail of its own.

The judge (lambda_course.judging) enters `jailed(hidden)` around every test cell, with the paths the submission's
own jail hides (other submissions, the instructors' files, answer keys). A run's jail hides those, and the
course's package as well, so nothing in it can read the handler's source or its mutants. Outside grading (a
learner's own notebook) runs are plain programs: the learner's own code on the learner's own machine.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterator
from pathlib import Path

import grader
import lambda_course
from grader.trust.jail import Jail, Limits

# Enough for pytest and a few hundred handler calls; far less than a whole notebook's limits.
RUN_LIMITS = Limits(cpu_s=60, memory_mb=2048, processes=64, file_mb=8, scratch_mb=64, scratch_files=2000,
                    total_memory_mb=1024, wall_s=120)

_hidden: contextvars.ContextVar[tuple[Path, ...] | None] = contextvars.ContextVar("jailed_test_runs", default=None)


@contextlib.contextmanager
def jailed(hidden: list[Path]) -> Iterator[None]:
    """While the block runs, each test run gets a fresh jail hiding `hidden` and the course's own files."""
    token = _hidden.set(tuple(hidden))
    try:
        yield
    finally:
        _hidden.reset(token)


def course_files() -> list[Path]:
    """The course's package, and the rest of its checkout when it runs from one (solutions, answer keys), less
    what every jailed program needs."""
    package = Path(lambda_course.__file__).resolve().parent
    checkout = package.parent
    if not (checkout / "pyproject.toml").is_file():
        return [package]
    # Every jailed program runs on the Python environment, and starts through the grading engine's launcher.
    needed = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(grader.__file__).resolve().parent]
    return [entry for entry in sorted(checkout.iterdir())
            if not any(path.is_relative_to(entry.resolve()) for path in needed)]


def new_jail() -> Jail | None:
    """A fresh jail for one test run while a lab is graded; None outside grading."""
    hidden = _hidden.get()
    if hidden is None:
        return None
    return Jail(hidden=[*hidden, *course_files()], limits=RUN_LIMITS, silence=())
