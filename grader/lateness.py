"""Late submissions: when a notebook was handed in, how late that is, and the points it costs.

The policy, applied by `lambda-course grade`:
    - The due date is `--due` when given, else the lab's `due` in lambda_course/data/labs.toml, else there is none
      and nothing is late. A due date without a time zone is read as UTC.
    - A submission's time is the first line of `timestamp.txt` in the learner's folder, beside the notebook
      (nbgrader's file, for example `2026-03-01 12:34:56.789 UTC`), else the notebook file's modification
      time. A timestamp.txt that is not a date and time is that learner's grading error, as it is for
      nbgrader: their lateness would be a guess.
    - Each started day (24 hours) after the due date costs `rate` of the points earned (`--late-penalty`,
      0.1 by default: one minute late costs 10%, 25 hours late 20%), never more than all of them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.utils import parse_utc

DEFAULT_RATE_PER_DAY = 0.1
_DAY_S = 24 * 3600
_LONGEST_TIMESTAMP = 100  # characters; nbgrader writes about 30
# The zone word of `date time zone`: an offset or a zone name. dateutil opens a zone name as a file, so a word
# that could name a path outside its zone database (a leading "/" or a "..") is refused before it is parsed.
_ZONE_WORD = re.compile(r"[+-]?\d{1,4}|[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


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
        when = timestamp_from_text(stamp.read_text())
        if when is not None:
            return when
    return datetime.fromtimestamp(notebook.stat().st_mtime, tz=UTC)


def timestamp_from_text(text: str) -> datetime | None:
    """The time (UTC) a timestamp.txt's first line gives, read as nbgrader reads it; None when there is none.

    Raises ValueError, saying what the line holds, when it is not a date and time: nbgrader itself refuses to
    grade a submission whose timestamp.txt it cannot read, as its lateness would be a guess.
    """
    lines = text.strip().splitlines()
    if not lines:
        return None
    line = lines[0].strip()
    shown = ascii(line[:40] + ("..." if len(line) > 40 else ""))
    words = line.split(" ")
    if len(line) > _LONGEST_TIMESTAMP or (len(words) == 3 and not _ZONE_WORD.fullmatch(words[2])):
        raise ValueError(f"{shown} is not a date and time")
    try:
        return as_utc(parse_utc(line))
    except (ValueError, OverflowError) as error:  # dateutil's ParserError is a ValueError
        raise ValueError(f"{shown} is not a date and time") from error


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
