"""Late submissions: when a notebook was handed in, how late that is, and the points it costs.

The policy is `DailyLatePenalty`, an nbgrader LateSubmissionPlugin. grader/config.py makes it the plugin of
nbgrader's own AssignLatePenalties step, so the penalty is computed here alone, whoever grades: `nbgrader
autograde` run on its own, and each worker of `lambda-course grade`, which runs that same step on its shard's
gradebook (parallel.py). The penalty it writes into the gradebook is the one every export reads (export.py).
    - The due date is the assignment's in nbgrader's gradebook. `lambda-course grade` puts it there: `--due`
      when given, else the lab's `due` in lambda_course/data/labs.toml, else none, and nothing is late. A due
      date without a time zone is read as UTC. For `nbgrader autograde` on its own, set it with
      `nbgrader db assignment add LAB --duedate=...`.
    - A submission's time is the first line of `timestamp.txt` in the learner's folder, beside the notebook
      (nbgrader's file, for example `2026-03-01 12:34:56.789 UTC`), else the notebook file's modification
      time. A timestamp.txt that is not a date and time is that learner's grading error, as it is for
      nbgrader: their lateness would be a guess.
    - Each started day (24 hours) after the due date costs `rate` of the points earned (`c.DailyLatePenalty.rate`,
      `--late-penalty`; 0.1 by default: one minute late costs 10%, 25 hours late 20%), never more than all of them.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.utils import parse_utc
from traitlets import Float

DEFAULT_RATE_PER_DAY = 0.1
_DAY_S = 24 * 3600
_LONGEST_TIMESTAMP = 100  # characters; nbgrader writes about 30
# The zone word of `date time zone`: an offset or a zone name. dateutil opens a zone name as a file, so a word
# that could name a path outside its zone database (a leading "/" or a "..") is refused before it is parsed.
_ZONE_WORD = re.compile(r"[+-]?\d{1,4}|[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


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
    when: datetime = parse_utc(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def seconds_late(handed_in: datetime | None, due: datetime | None) -> float:
    """How many seconds after `due` a submission was handed in: 0 when on time, or either time is unknown.

    As nbgrader's `SubmittedAssignment.total_seconds_late`, for a time the gradebook does not hold.
    """
    if handed_in is None or due is None:
        return 0.0
    return max(0.0, (as_utc(handed_in) - as_utc(due)).total_seconds())


def days_late(seconds: float) -> int:
    """The days, each started one counting whole, that `seconds` of lateness make."""
    return math.ceil(seconds / _DAY_S) if seconds > 0 else 0


class DailyLatePenalty(LateSubmissionPlugin):
    """Each started day late costs `rate` of the points earned, never more than all of them (see above)."""

    rate = Float(DEFAULT_RATE_PER_DAY, help="The share of the points earned that each started day late costs."
                 ).tag(config=True)

    def fraction(self, total_seconds_late: float) -> float:
        """The share of its points a submission loses for being `total_seconds_late` seconds late."""
        return min(1.0, max(0.0, self.rate) * days_late(total_seconds_late))

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        """The points taken off a late submission's `score`; None (no penalty) for one on time."""
        if total_seconds_late <= 0:
            return None
        return round((score or 0.0) * self.fraction(total_seconds_late), 4)
