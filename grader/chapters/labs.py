"""The list of labs and the chapters they practise, read from `grader/data/labs.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from IPython.display import Markdown

LABS_FILE = "data/labs.toml"


@dataclass(frozen=True)
class Lab:
    """One lab: its id (also its folder under labs/), its title and the chapter it practises."""

    id: str
    title: str
    chapter: int | None
    minutes: int | None = None

    @property
    def notebook(self) -> str:
        """The learner's notebook, relative to the course folder."""
        return f"labs/{self.id}/{self.id}.ipynb"


def chapter_number(raw: object) -> int | None:
    """Read a chapter reference written as 3, "3", "03" or "03-cold-starts"."""
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        digits = raw.split("-", 1)[0]
        return int(digits) if digits.isdigit() else None
    return None


def load_labs(path: Path | None = None) -> list[Lab]:
    """Every lab in the labs file, in file order; an empty list if the file does not exist yet."""
    source = path or resources.files("grader").joinpath(LABS_FILE)
    if not source.is_file():
        return []
    raw = tomllib.loads(source.read_text())
    entries = raw.get("labs", raw) if isinstance(raw.get("labs"), dict) else raw
    return [Lab(key, str(entry.get("title", key)), chapter_number(entry.get("chapter")), entry.get("minutes"))
            for key, entry in entries.items() if isinstance(entry, dict)]


def labs_for_chapter(chapter: int, path: Path | None = None) -> list[Lab]:
    """The labs that practise one chapter."""
    return [lab for lab in load_labs(path) if lab.chapter == chapter]


def lab_pointer(chapter: int, path: Path | None = None) -> Markdown:
    """A chapter's closing note: which lab practises it and how to self-check it."""
    labs = labs_for_chapter(chapter, path)
    if not labs:
        return Markdown("No lab practises this chapter directly; its quiz above is your check.")
    lines = [f"- **{lab.title}**: open `{lab.notebook}`, then run `lambda-course check {lab.notebook}`"
             for lab in labs]
    return Markdown("Practise this chapter in the lab:\n\n" + "\n".join(lines))


def course_map(chapters: dict[int, str], path: Path | None = None) -> Markdown:
    """A table of chapters with the labs that go with each, for the start-here chapter."""
    labs = load_labs(path)
    rows = ["| # | chapter | labs |", "|---|---|---|"]
    for number, title in sorted(chapters.items()):
        names = "; ".join(_describe(lab) for lab in labs if lab.chapter == number)
        rows.append(f"| {number:02d} | {title} | {names or '-'} |")
    orphans = [lab for lab in labs if lab.chapter not in chapters]
    if orphans:
        rows.append(f"| - | other labs | {', '.join(f'`{lab.id}`' for lab in orphans)} |")
    if not labs:
        rows.append("\n*The list of labs (`grader/data/labs.toml`) is not installed yet.*")
    return Markdown("\n".join(rows))


def _describe(lab: Lab) -> str:
    minutes = f", about {lab.minutes} min" if lab.minutes else ""
    return f"`{lab.id}`: {lab.title}{minutes}"
