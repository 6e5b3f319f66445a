"""The labs listed in `lambda_course/data/labs.toml`, and where each one's notebooks live."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

from grader.config import DEFAULT_CELL_TIMEOUT_S, RELEASE_DIR, REPO_ROOT, SOURCE_DIR


@dataclass(frozen=True)
class Lab:
    """One lab: its id (also its folder and notebook name), title, chapter and grading settings."""

    id: str
    title: str
    chapter: str | list[str]  # the chapter it practises, or several, its main one first
    points: float
    minutes: int = 0
    cell_timeout: int = DEFAULT_CELL_TIMEOUT_S
    due: datetime | str | None = None  # optional due date, for late penalties (see lateness.py)

    def source(self, root: Path = REPO_ROOT) -> Path:
        """The instructors' notebook, with solutions and hidden tests."""
        return root / SOURCE_DIR / self.id / f"{self.id}.ipynb"

    def released(self, root: Path = REPO_ROOT) -> Path:
        """The learners' notebook generated from the source."""
        return root / RELEASE_DIR / self.id / f"{self.id}.ipynb"


@cache
def all_labs() -> dict[str, Lab]:
    """Every lab in the data file, by id, in the order listed."""
    raw = tomllib.loads(resources.files("lambda_course").joinpath("data/labs.toml").read_text())
    return {key: Lab(id=key, **entry) for key, entry in raw.items()}


def lab(lab_id: str) -> Lab:
    """The lab called `lab_id`, with a clear error naming the known ones."""
    labs = all_labs()
    if lab_id not in labs:
        raise KeyError(f"no lab named {lab_id!r} in lambda_course/data/labs.toml; known: {', '.join(labs)}")
    return labs[lab_id]
