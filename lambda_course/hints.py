"""Hints for the labs' visible tests, shown only once a test has failed, never printed in the notebook up front.

Every hint lives in `lambda_course/data/hints.toml`, by lab and by the grade id of its test cell. A visible test
cell wraps its checks in `hint_on_failure(lab, grade_id)`: when a check fails, the hint is added to the end of
the failure's message, so the learner reads it under the cell, in `lambda-course check` and in the feedback.

    with hint_on_failure("lab1-first-handler", "q1-tests"):
        checks.check_http_response(...)

A hint says what to look at, never the code to write. A stub that still raises NotImplementedError gets no hint:
the learner has not tried yet.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources

HINTS_FILE = "data/hints.toml"
MARK = "Hint:"


class HintMissing(LookupError):
    """A test cell names a lab and grade id that hints.toml has no hint for (a mistake in the lab's source)."""


@cache
def all_hints() -> dict[str, dict[str, str]]:
    """Every hint, by lab id and then by test cell grade id."""
    text = resources.files("lambda_course").joinpath(HINTS_FILE).read_text(encoding="utf-8")
    return {lab: dict(cells) for lab, cells in tomllib.loads(text).items()}


def hint_for(lab: str, grade_id: str) -> str:
    """The hint of one visible test cell; HintMissing when there is none."""
    try:
        return all_hints()[lab][grade_id]
    except KeyError:
        raise HintMissing(f"{HINTS_FILE} has no hint for {lab}'s test cell {grade_id!r}.") from None


def with_hint(message: str, hint: str) -> str:
    """A failure message followed by its hint, on a paragraph of its own."""
    return f"{message.rstrip()}\n\n{MARK} {hint}"


@contextmanager
def hint_on_failure(lab: str, grade_id: str) -> Iterator[None]:
    """Run a test cell's checks; a failing check's message gains the cell's hint (see the module docstring).

    The check's own exception is raised again, so the test fails exactly as it would without a hint.
    """
    hint = hint_for(lab, grade_id)  # looked up first: a cell naming no hint fails, even when its checks pass
    try:
        yield
    except AssertionError as failure:
        failure.args = (with_hint(str(failure) or "A check failed without saying why.", hint),)
        raise
