"""The course's companion program beside a graded kernel (for a Lambda course: the learner's sandbox).

A course names it as `GradedCourse.companion`: a function of the jail that returns a context manager, runs the
program in that jail while the block runs and yields a JSON-ready dict the judge is built from. A course with no
companion gets an empty offer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from grader.course import GradedCourse
from grader.trust.jail import Jail


@contextlib.contextmanager
def companion_in(jail: Jail, course: GradedCourse) -> Iterator[dict[str, str] | None]:
    """Run the course's companion program in `jail` while the block runs; yields its offer (None: no companion)."""
    start = course.hook("companion")
    if start is None:
        yield None
        return
    with start(jail) as offered:
        yield dict(offered)
