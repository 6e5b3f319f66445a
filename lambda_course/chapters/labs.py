"""Where the chapters point to their labs: each chapter's closing note and the course map."""

from __future__ import annotations

from pathlib import Path

from IPython.display import Markdown

from lambda_course.labs import Lab, load_labs

NO_LAB = "No lab practises this chapter; the quiz above is your check."


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
