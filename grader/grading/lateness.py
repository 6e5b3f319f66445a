"""Late submissions: when a notebook was handed in, how late that is, and the points it costs.

The policy, applied by `lambda-course grade`:
    - The due date is `--due` when given, else the lab's `due` in grader/data/labs.toml, else there is none
      and nothing is late. A due date without a time zone is read as UTC.
    - A submission's time is the first line of `timestamp.txt` in the learner's folder, beside the notebook
      (nbgrader's file, for example `2026-03-01 12:34:56.789 UTC`), else the notebook file's modification
      time.
    - Each started day (24 hours) after the due date costs `rate` of the points earned (`--late-penalty`,
      0.1 by default: one minute late costs 10%, 25 hours late 20%), never more than all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.utils import parse_utc

DEFAULT_RATE_PER_DAY = 0.1
_DAY_S = 24 * 3600


@dataclass(frozen=True)
class Lateness:
    """How late one submission is: whole started days, and the fraction of its points it loses."""

    days: int = 0
    fraction: float = 0.0

    def penalty(self, points: float) -> float:
        """The points taken off a score of `points`."""
        return round(points * self.fraction, 4)


def submitted_at(notebook: Path, own_folder: bool = True) -> datetime:
    """When a notebook was handed in (UTC): from timestamp.txt beside it, else the file's mtime.

    A notebook that shares its folder with other learners' (`own_folder` False) has no timestamp.txt of its
    own, so only its modification time counts.
    """
    stamp = notebook.parent / "timestamp.txt"
    if own_folder and stamp.is_file():
        text = stamp.read_text().strip().splitlines()
        if text:
            return as_utc(parse_utc(text[0]))
    return datetime.fromtimestamp(notebook.stat().st_mtime, tz=UTC)


def as_utc(moment: datetime | str) -> datetime:
    """A time as an aware UTC datetime; text is parsed as nbgrader does, and a naive time is taken as UTC."""
    if isinstance(moment, str):
        moment = parse_utc(moment)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def assess(handed_in: datetime | None, due: datetime | None, rate: float = DEFAULT_RATE_PER_DAY) -> Lateness:
    """The lateness of a submission handed in at `handed_in` for a lab due at `due`."""
    if handed_in is None or due is None:
        return Lateness()
    seconds_late = (as_utc(handed_in) - as_utc(due)).total_seconds()
    if seconds_late <= 0:
        return Lateness()
    days = math.ceil(seconds_late / _DAY_S)
    return Lateness(days, min(1.0, max(0.0, rate) * days))
