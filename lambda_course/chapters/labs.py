"""The list of labs and the chapters they practise, read from `lambda_course/data/labs.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from IPython.display import Markdown

LABS_FILE = "data/labs.toml"
NO_LAB = "No lab practises this chapter; the quiz above is your check."


@dataclass(frozen=True)
class Lab:
    """One lab: its id (also its folder under labs/), its title and the chapters it practises, main one first."""

    id: str
    title: str
    chapters: tuple[int, ...]
    minutes: int | None = None

    @property
    def chapter(self) -> int | None:
        """The main chapter the lab practises."""
        return self.chapters[0] if self.chapters else None

    @property
    def notebook(self) -> str:
        """The learner's notebook, relative to the course folder."""
        return f"labs/{self.id}/{self.id}.ipynb"

    @property
    def hub_notebook(self) -> str:
        """Where the notebook lands on the class JupyterHub once fetched from the assignment list."""
        return f"~/{self.id}/{self.id}.ipynb"


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


def load_labs(path: Path | None = None) -> list[Lab]:
    """Every lab in the labs file, in file order; an empty list if the file does not exist yet."""
    source = path or resources.files("lambda_course").joinpath(LABS_FILE)
    if not source.is_file():
        return []
    raw = tomllib.loads(source.read_text())
    entries = raw.get("labs", raw) if isinstance(raw.get("labs"), dict) else raw
    return [Lab(key, str(entry.get("title", key)), chapter_numbers(entry.get("chapter")), entry.get("minutes"))
            for key, entry in entries.items() if isinstance(entry, dict)]


def labs_for_chapter(chapter: int, path: Path | None = None) -> list[Lab]:
    """Every lab that practises one chapter, whether as its main chapter or as a further one."""
    return [lab for lab in load_labs(path) if chapter in lab.chapters]


def lab_pointer(chapter: int, path: Path | None = None) -> Markdown:
    """A chapter's closing note: every lab that practises it, where to find it and how to self-check it."""
    labs = labs_for_chapter(chapter, path)
    if not labs:
        return Markdown(NO_LAB)
    head = "Practise this chapter in the lab:" if len(labs) == 1 else "Practise this chapter in these labs:"
    return Markdown("\n\n".join([head, *(_pointer(lab) for lab in labs)]))


def _pointer(lab: Lab) -> str:
    """One lab's entry: its title, then how to open and check it on your own computer and on the class hub."""
    return (f"- **{lab.title}** (`{lab.id}`)\n"
            f"  - on your own computer: open `{lab.notebook}`; check it from a terminal in the course's top "
            f"folder with `lambda-course check {lab.notebook}`\n"
            f"  - on the class JupyterHub: fetch `{lab.id}` from **Nbgrader → Assignment List**; it lands in "
            f"`~/{lab.id}/`. Check it with `lambda-course check {lab.hub_notebook}` or the **Validate** button, "
            "and submit it from the same list")


def course_map(chapters: dict[int, str], path: Path | None = None) -> Markdown:
    """A table of chapters with the labs that go with each, for the start-here chapter."""
    labs = load_labs(path)
    rows = ["| # | chapter | labs |", "|---|---|---|"]
    for number, title in sorted(chapters.items()):
        names = "; ".join(_describe(lab, number) for lab in labs if number in lab.chapters)
        rows.append(f"| {number:02d} | {title} | {names or '-'} |")
    orphans = [lab for lab in labs if not set(lab.chapters) & set(chapters)]
    if orphans:
        rows.append(f"| - | other labs | {', '.join(f'`{lab.id}`' for lab in orphans)} |")
    if not labs:
        rows.append("\n*The list of labs (`lambda_course/data/labs.toml`) is not installed yet.*")
    return Markdown("\n".join(rows))


def _describe(lab: Lab, chapter: int) -> str:
    """A lab in the map's row for `chapter`: in full beside its main chapter, as a cross-reference elsewhere."""
    if chapter != lab.chapter:
        return f"also `{lab.id}` (mainly chapter {lab.chapter:02d})"
    minutes = f", about {lab.minutes} min" if lab.minutes else ""
    return f"`{lab.id}`: {lab.title}{minutes}"
