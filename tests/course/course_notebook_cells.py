"""Read the chapter notebooks as data, without running them: their cells, the calls they make, their quizzes."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import nbformat

from lambda_course.chapters.catalog import CHAPTERS
from lambda_course.chapters.questions import Question
from lambda_course.chapters.quizbank import questions_for

COURSE = Path(__file__).resolve().parents[2] / "course"


@cache
def read(slug: str) -> nbformat.NotebookNode:
    """One chapter's notebook, as committed (read once; do not change the result)."""
    return nbformat.read(COURSE / f"{slug}.ipynb", as_version=4)


def python_of(cell: nbformat.NotebookNode) -> str:
    """A code cell's Python, without the IPython-only lines (%magics and !shell commands) that ast cannot parse."""
    return "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))


@cache
def called_names(slug: str) -> list[tuple[str, list[ast.expr]]]:
    """Every call in a chapter's code cells, as (the called name, its positional arguments)."""
    found = []
    for cell in read(slug).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(python_of(cell))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                found.append((name, node.args))
    return found


def quiz_chapters(slug: str) -> list[str]:
    """The chapter ids a chapter's cells pass to `quiz.show(...)`, in order."""
    return [args[0].value for name, args in called_names(slug)
            if name == "show" and len(args) == 1 and isinstance(args[0], ast.Constant)]


def chapter_questions(slug: str) -> list[Question]:
    """The questions a chapter's quiz cells show, taken from the quiz bank by the ids the cells name."""
    return [question for chapter in quiz_chapters(slug) for question in questions_for(chapter)]


def all_questions() -> list[tuple[str, Question]]:
    """Every quiz question of the course, with the chapter it comes from."""
    return [(slug, q) for _, slug, _ in CHAPTERS for q in chapter_questions(slug)]
