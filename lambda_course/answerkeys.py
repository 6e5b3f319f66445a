"""Answer keys: the data that decides a lab's score, kept apart from everything a learner's code may read.

Each key is a TOML file in `lambda_course/answers/` (`FOLDER`), holding data only. The grader reads a key when it
judges a test cell, in its own process; while a lab is graded, the jail the learner's code runs in hides the
folder, so there `load` finds nothing and says that answer keys are read only by the grader.

    from lambda_course import answerkeys
    key = answerkeys.load("routing")      # lambda_course/answers/routing.toml as a dict
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "answers"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


class AnswerKeysUnavailable(RuntimeError):
    """An answer key cannot be read here: the learner's side of a graded lab, or an install without the keys."""


def path(name: str) -> Path:
    """Where the answer key `name` lives: FOLDER/<name>.toml."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"An answer key's name is lower-case letters, digits, '-' and '_', not {name!r}.")
    return FOLDER / f"{name}.toml"


def load(name: str) -> dict[str, Any]:
    """The answer key `name` as a dict; AnswerKeysUnavailable when it cannot be read here.

    A missing, unreadable or empty file (the jail shows the folder empty) all count as not available. Nothing is
    cached here, so each caller decides how long it keeps a key.
    """
    where = path(name)
    try:
        text = where.read_text(encoding="utf-8")
    except OSError:
        text = ""
    data = tomllib.loads(text) if text.strip() else {}
    if not data:
        raise AnswerKeysUnavailable(
            f"The answer key {name!r} is not available here ({where} cannot be read). Answer keys are read only "
            "by the grader, outside the jail a lab's code runs in while it is graded; a test that needs one "
            "cannot be run from that code."
        )
    return data


def available(name: str) -> bool:
    """True when the answer key `name` can be read here."""
    try:
        load(name)
    except AnswerKeysUnavailable:
        return False
    return True
