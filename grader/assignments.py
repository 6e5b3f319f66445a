"""The assignments of the course being graded, as the engine reads them: what it grades, worth how much, by when.

The course keeps its own model of them (its labs file); the engine needs only these fields, and finds the
objects through the course's `GradedCourse.assignments` setting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from grader.course import CourseNotConfigured, settings


class Assignment(Protocol):
    """One assignment: its id (also its folder and notebook name), title, points, cell timeout and due date."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def points(self) -> float: ...

    @property
    def cell_timeout(self) -> int: ...

    @property
    def due(self) -> datetime | str | None: ...


def catalogue() -> dict[str, Assignment]:
    """Every assignment of the installed course, by id."""
    listed = settings().hook("assignments")
    if listed is None:
        raise CourseNotConfigured("the course lists no assignments (GradedCourse.assignments is not set)")
    return dict(listed())


def assignment(assignment_id: str) -> Assignment:
    """The assignment called `assignment_id`, with a clear error naming the known ones."""
    known = catalogue()
    if assignment_id not in known:
        raise KeyError(f"the course has no assignment {assignment_id!r}; known: {', '.join(known)}")
    return known[assignment_id]
