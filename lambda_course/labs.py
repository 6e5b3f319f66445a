"""The course's labs, read from `lambda_course/data/labs.toml`: the one model of that file.

The grading engine reads the same objects through `lambda_course.grading.assignments` (it needs their id,
title, points, cell timeout and due date); the chapters read their chapters and notebook paths.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the course's top folder, holding solutions/ and labs/
SOURCE_DIR = "solutions"  # the instructors' notebooks, with solutions and hidden tests
RELEASE_DIR = "labs"  # the learners' notebooks, generated from SOURCE_DIR
LABS_FILE = "data/labs.toml"
DEFAULT_CELL_TIMEOUT_S = 60


@dataclass(frozen=True)
class Lab:
    """One lab: its id (also its folder and notebook name), title, chapters (main first) and grading settings."""

    id: str
    title: str
    chapters: tuple[int, ...]
    points: float = 0.0
    minutes: int | None = None
    cell_timeout: int = DEFAULT_CELL_TIMEOUT_S
    due: datetime | str | None = None  # optional due date, for late penalties (see grader/lateness.py)

    @property
    def chapter(self) -> int | None:
        """The main chapter the lab practises."""
        return self.chapters[0] if self.chapters else None

    @property
    def notebook(self) -> str:
        """The learner's notebook, relative to the course folder."""
        return f"{RELEASE_DIR}/{self.id}/{self.id}.ipynb"

    @property
    def hub_notebook(self) -> str:
        """Where the notebook lands on the class JupyterHub once fetched from the assignment list."""
        return f"~/{self.id}/{self.id}.ipynb"

    def source(self, root: Path = ROOT) -> Path:
        """The instructors' notebook, with solutions and hidden tests."""
        return root / SOURCE_DIR / self.id / f"{self.id}.ipynb"

    def released(self, root: Path = ROOT) -> Path:
        """The learners' notebook generated from the source."""
        return root / RELEASE_DIR / self.id / f"{self.id}.ipynb"


def chapter_number(raw: object) -> int | None:
    """Read a chapter reference written as 3, "3", "03" or "03-cold-starts"."""
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        digits = raw.split("-", 1)[0]
        return int(digits) if digits.isdigit() else None
    return None


def chapter_numbers(raw: object) -> tuple[int, ...]:
    """Read one chapter reference or a list of them, skipping any that name no chapter."""
    items = raw if isinstance(raw, list) else [raw]
    numbers = (chapter_number(item) for item in items)
    return tuple(number for number in numbers if number is not None)


def load_labs(path: Path | Traversable | None = None) -> list[Lab]:
    """Every lab in the labs file, in file order; an empty list if the file does not exist yet."""
    source = path or resources.files("lambda_course").joinpath(LABS_FILE)
    if not source.is_file():
        return []
    raw = tomllib.loads(source.read_text())
    return [_lab(key, entry) for key, entry in raw.items() if isinstance(entry, dict)]


def _lab(key: str, entry: dict) -> Lab:
    """One entry of the labs file as a Lab; keys it does not know are an error, so a typo is not ignored."""
    fields = dict(entry)
    chapters = chapter_numbers(fields.pop("chapter", None))
    return Lab(id=key, title=str(fields.pop("title", key)), chapters=chapters, **fields)


@cache
def all_labs() -> dict[str, Lab]:
    """Every lab in the course's labs file, by id, in the order listed."""
    return {found.id: found for found in load_labs()}


def lab(lab_id: str) -> Lab:
    """The lab called `lab_id`, with a clear error naming the known ones."""
    labs = all_labs()
    if lab_id not in labs:
        raise KeyError(f"no lab named {lab_id!r} in lambda_course/{LABS_FILE}; known: {', '.join(labs)}")
    return labs[lab_id]
