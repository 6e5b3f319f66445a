"""Grading problems: why a learner has no grade for an assignment, kept in a small file beside the gradebook.

nbgrader's gradebook holds grades. A learner whose grading failed (a damaged notebook, a link handed in, a
kernel that died, a name that cannot be a student id) has no submission there: an error is not a grade, and a
zero recorded in the gradebook would read as one. What went wrong is kept instead in `grading-problems.json`,
beside gradebook.db: by assignment, then learner, the error and when the notebook was handed in. The exports
show it (export.py). Grading a learner afterwards takes them off the list; a full `lambda-course grade` run of
an assignment starts its list afresh, as it finds every submission again.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

FILENAME = "grading-problems.json"


@dataclass(frozen=True)
class Problem:
    """Why a learner's submission has no grade, and when it was handed in (None: unknown)."""

    error: str
    submitted: datetime | None = None


def beside(db_url: str) -> Path | None:
    """The problems file kept beside the gradebook at `db_url`; None when it is not a sqlite file."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).parent / FILENAME


def read(path: Path | None, assignment: str) -> dict[str, Problem]:
    """The problems of an assignment's learners, by learner (none when there is no file)."""
    rows = _load(path).get(assignment, {}) if path else {}
    return {learner: Problem(row["error"], _time(row.get("submitted"))) for learner, row in rows.items()}


def note(path: Path, assignment: str, learner: str, problem: Problem | None) -> None:
    """Record a learner's problem, or with None, that they have none (they were graded)."""
    saved = _load(path)
    listed = saved.setdefault(assignment, {})
    if problem is None:
        if listed.pop(learner, None) is None:
            return
    else:
        when = problem.submitted.isoformat() if problem.submitted else None
        listed[learner] = {"error": problem.error, "submitted": when}
    _save(path, saved)


def forget(path: Path, assignment: str) -> None:
    """Drop every problem of an assignment."""
    saved = _load(path)
    if saved.pop(assignment, None) is not None:
        _save(path, saved)


def _load(path: Path) -> dict[str, dict[str, dict]]:
    return json.loads(path.read_text()) if path.is_file() else {}


def _save(path: Path, saved: dict[str, dict[str, dict]]) -> None:
    """Write the file whole, in place of the old one, so a reader never sees half of it."""
    kept = {assignment: dict(sorted(rows.items())) for assignment, rows in sorted(saved.items()) if rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{FILENAME}.", dir=path.parent)
    with os.fdopen(handle, "w") as stream:
        json.dump(kept, stream, indent=1)
    os.replace(temporary, path)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
