"""What the instructor sees while a class is graded: a line per submission, and now and then the ETA."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import TextIO

from grader.lateness import days_late, seconds_late
from grader.parallel import Graded


class Progress:
    """Prints `[k/N] learner ... score/max` as each submission finishes, and an overall line every tenth."""

    def __init__(self, total: int, out: TextIO | None = None, clock=time.monotonic,
                 due: datetime | None = None) -> None:
        self.total = total
        self.due = due
        self.done = 0
        self.errors = 0
        self.out = out or sys.stdout
        self._clock = clock
        self._start = clock()
        self._every = max(5, total // 10)

    def finished(self, graded: Graded) -> None:
        """Report one graded submission, then the overall count when it is time to."""
        self.done += 1
        result = graded.result
        if result.error:
            self.errors += 1
            outcome = f"error: {result.error}"
        else:
            outcome = f"{result.score:g}/{result.max_score:g}"
            days = days_late(seconds_late(graded.submitted_at, self.due))
            if days:
                cut = f", -{graded.penalty / result.score:.0%}" if graded.penalty and result.score else ""
                outcome += f"  (late {days} d{cut}: counts {round(result.score - graded.penalty, 4):g})"
        print(f"[{self.done}/{self.total}] {result.learner} ... {outcome}", file=self.out, flush=True)
        if self.done % self._every == 0 and self.done < self.total:
            print(f"    {self.overall()}", file=self.out, flush=True)

    def overall(self) -> str:
        """How many are done, how long it took, and about how long the rest will take at this pace."""
        elapsed = self._clock() - self._start
        left = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        failed = f", {self.errors} failed" if self.errors else ""
        took, to_go = _clock_text(elapsed), _clock_text(left)
        return f"{self.done}/{self.total} graded{failed} in {took}; about {to_go} left"

    def elapsed(self) -> float:
        """Seconds since grading started."""
        return self._clock() - self._start


def _clock_text(seconds: float) -> str:
    """Seconds as m:ss."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"
