"""A 'check yourself' quiz: multiple-choice questions that say at once whether an answer is right, and why."""

from __future__ import annotations

import hashlib
import html
import random
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
from IPython.display import display


@dataclass(frozen=True)
class Question:
    """One question, its options, the index of the right option, and why that option is right."""

    prompt: str
    options: tuple[str, ...]
    answer: int
    why: str
    hints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.options) < 2:
            raise ValueError(f"a question needs at least two options: {self.prompt!r}")
        if not 0 <= self.answer < len(self.options):
            raise ValueError(f"answer index {self.answer} is out of range for {self.prompt!r}")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"options must differ from each other: {self.prompt!r}")
        if self.hints and len(self.hints) != len(self.options):
            raise ValueError(f"give one hint per option, or none: {self.prompt!r}")

    def display_order(self) -> tuple[int, ...]:
        """The option indices in the order a learner sees them: shuffled, but the same every time for this prompt.

        Written options often put the right answer in the same place; shuffling by a seed drawn from the prompt
        hides that pattern while keeping each question stable between runs and machines.
        """
        seed = int.from_bytes(hashlib.sha256(self.prompt.encode()).digest()[:8], "big")
        order = list(range(len(self.options)))
        random.Random(seed).shuffle(order)
        return tuple(order)

    def displayed_options(self) -> list[str]:
        """The options' texts in display order; checking an answer still goes by the text, so meaning is kept."""
        return [self.options[index] for index in self.display_order()]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: right or wrong, and a message to show."""

    correct: bool
    message: str


def check(question: Question, choice: int | str | None) -> Feedback:
    """Judge a choice, given as an option index or its text; a wrong answer gets a hint, not the answer."""
    if choice is None:
        return Feedback(False, "Pick an option first.")
    index = question.options.index(choice) if isinstance(choice, str) else choice
    if not 0 <= index < len(question.options):
        raise ValueError(f"no option number {index}")
    if index == question.answer:
        return Feedback(True, f"Correct. {question.why}")
    hint = question.hints[index] if question.hints else "Re-read the section above and try again."
    return Feedback(False, f"Not quite. {hint}")


class QuestionCard:
    """One question as a widget: the options, a Check button, and the feedback line under them."""

    def __init__(self, question: Question, number: int) -> None:
        self.question = question
        self.options = widgets.RadioButtons(options=question.displayed_options(), value=None,
                                            layout=widgets.Layout(width="auto"))
        self.button = widgets.Button(description="Check", button_style="primary")
        self.feedback = widgets.HTML()
        self.attempts = 0
        self.solved = False
        self.button.on_click(self._on_check)
        title = widgets.HTML(f"<b>{number}. {html.escape(question.prompt)}</b>")
        self.widget = widgets.VBox([title, self.options, self.button, self.feedback])

    def _on_check(self, _button: widgets.Button | None = None) -> None:
        verdict = check(self.question, self.options.value)
        if self.options.value is not None:
            self.attempts += 1
        self.solved = self.solved or verdict.correct
        colour = "green" if verdict.correct else "#b35900"
        self.feedback.value = f"<span style='color:{colour}'>{html.escape(verdict.message)}</span>"


class Quiz:
    """A list of question cards with a running score."""

    def __init__(self, questions: Sequence[Question], title: str = "Check yourself") -> None:
        self.cards = [QuestionCard(q, i + 1) for i, q in enumerate(questions)]
        self.score = widgets.HTML()
        for card in self.cards:
            card.button.on_click(self._update_score)
        self._update_score()
        self.widget = widgets.VBox([widgets.HTML(f"<h4>{html.escape(title)}</h4>")]
                                   + [c.widget for c in self.cards] + [self.score])

    def _update_score(self, _button: widgets.Button | None = None) -> None:
        solved = sum(card.solved for card in self.cards)
        self.score.value = f"<i>Solved {solved} of {len(self.cards)}.</i>"

    @property
    def solved(self) -> int:
        """How many questions have been answered correctly at least once."""
        return sum(card.solved for card in self.cards)

    def _ipython_display_(self) -> None:
        display(self.widget)


def quiz(questions: Sequence[Question], title: str = "Check yourself") -> Quiz:
    """Build a quiz; a chapter cell ending in this call shows it."""
    return Quiz(questions, title)
