"""Read the chapter notebooks as data, without running them: their cells, the calls they make, their quizzes."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import nbformat

from lambda_course.chapters.catalog import CHAPTERS
from lambda_course.chapters.quiz import Question
from lambda_course.chapters.text import md, say
from localaws.facts import fact, value

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


def chapter_questions(slug: str) -> list[Question]:
    """The questions of a chapter's quizzes, built by running only its quiz cells with `quiz` stubbed out."""
    questions: list[Question] = []
    namespace = {"Question": Question, "quiz": lambda items, *_a, **_k: questions.extend(items),
                 "say": say, "md": md, "value": value, "fact": fact}
    for cell in read(slug).cells:
        if cell.cell_type == "code" and "quiz(" in cell.source:
            exec(compile(python_of(cell), f"{slug}.ipynb quiz", "exec"), dict(namespace))
    return questions


def all_questions() -> list[tuple[str, Question]]:
    """Every quiz question of the course, with the chapter it comes from."""
    return [(slug, q) for _, slug, _ in CHAPTERS for q in chapter_questions(slug)]
