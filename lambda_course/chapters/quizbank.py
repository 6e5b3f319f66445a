"""The chapters' quiz questions, read from the one bank file that holds them all (`data/quizzes.toml`).

Every text in the bank is a template whose fields name facts (`{timeout_max_s:time}`, as `say` fills them), so a
question never types an AWS number. A question may also compute a number from facts in its `let` table, such as
`visibility = "60 * sqs_visibility_timeout_factor"`, and use it as `{visibility}`.
"""

from __future__ import annotations

import ast
import operator
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from lambda_course.chapters.catalog import CHAPTERS
from lambda_course.chapters.questions import Question
from lambda_course.chapters.text import number, say
from localaws.facts import value

BANK_FILE = "data/quizzes.toml"
OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def chapter_ids() -> list[str]:
    """The two-digit ids of the catalogued chapters ('00', '01', ...), the keys the bank files questions under."""
    return [f"{chapter:02d}" for chapter, _slug, _title in CHAPTERS]


def computed(expression: str) -> float:
    """The value of arithmetic over numbers and fact keys ('60 * sqs_visibility_timeout_factor')."""
    return _evaluate(ast.parse(expression, mode="eval").body, expression)


def _evaluate(node: ast.expr, expression: str) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Name):
        return float(value(node.id))
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](_evaluate(node.left, expression), _evaluate(node.right, expression))
    raise ValueError(f"the quiz bank's `let` allows numbers, fact keys and + - * / only: {expression!r}")


def build(entry: dict[str, Any]) -> Question:
    """One bank entry as a Question, every text filled from the facts file."""
    lets = {name: number(computed(expression)) for name, expression in entry.get("let", {}).items()}
    pairs = entry["options"]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"each option is [text, explanation]: {entry['prompt']!r}")
    return Question(prompt=say(entry["prompt"], **lets),
                    options=tuple(say(text, **lets) for text, _why in pairs),
                    answer=entry["answer"],
                    explanations=tuple(say(why, **lets) for _text, why in pairs))


def raw_entries(source: Traversable | None = None) -> list[dict[str, Any]]:
    """The bank's entries as written, templates unfilled, each naming its chapter."""
    text = (source or resources.files("lambda_course").joinpath(BANK_FILE)).read_text()
    entries: list[dict[str, Any]] = tomllib.loads(text).get("question", [])
    unknown = sorted({str(entry.get("chapter")) for entry in entries} - set(chapter_ids()))
    if unknown:
        raise ValueError(f"{BANK_FILE}: questions filed under unknown chapters {', '.join(unknown)}; "
                         f"use one of {', '.join(chapter_ids())}")
    return entries


@cache
def bank() -> dict[str, tuple[Question, ...]]:
    """Every chapter's questions, by chapter id, in the order the bank lists them."""
    by_chapter: dict[str, list[Question]] = {chapter: [] for chapter in chapter_ids()}
    for entry in raw_entries():
        by_chapter[entry["chapter"]].append(build(entry))
    return {chapter: tuple(questions) for chapter, questions in by_chapter.items()}


def questions_for(chapter: str) -> tuple[Question, ...]:
    """One chapter's questions; an unknown chapter or an empty quiz is an error, never an empty quiz."""
    found = bank().get(chapter)
    if not found:
        raise KeyError(f"the quiz bank has no questions for chapter {chapter!r}; chapters with questions: "
                       f"{', '.join(key for key, items in bank().items() if items)}")
    return found
