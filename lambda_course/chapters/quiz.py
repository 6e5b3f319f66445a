"""A 'check yourself' quiz: scenario questions that say at once whether an answer is right, and why each option is.

A chapter shows its quiz with one call, `quiz.show("03")`; the questions live in the bank
(`lambda_course/data/quizzes.toml`, read by `quizbank`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
from IPython.display import display

from lambda_course.chapters.questions import Feedback, Question, check
from lambda_course.chapters.quizbank import questions_for

__all__ = ["Feedback", "Question", "Quiz", "QuestionCard", "check", "quiz", "show"]


def explained(question: Question) -> str:
    """Every option in display order, marked right or wrong, with its explanation, as HTML."""
    rows = []
    for index in question.display_order():
        mark, colour = ("✔", "green") if index == question.answer else ("✘", "#b35900")
        rows.append(f"<li><span style='color:{colour}'>{mark}</span> <b>{html.escape(question.options[index])}"
                    f"</b>: {html.escape(question.explanations[index])}</li>")
    return f"<ul style='margin-top:0'>{''.join(rows)}</ul>"


class QuestionCard:
    """One question as a widget: the options, Check and Show answer buttons, and the feedback under them."""

    def __init__(self, question: Question, number: int) -> None:
        self.question = question
        self.options = widgets.RadioButtons(options=question.displayed_options(), value=None,
                                            layout=widgets.Layout(width="auto"))
        self.button = widgets.Button(description="Check", button_style="primary")
        self.reveal = widgets.Button(description="Show answer")
        self.feedback = widgets.HTML()
        self.all_explained = widgets.HTML()
        self.attempts = 0
        self.solved = False
        self.button.on_click(self._on_check)
        self.reveal.on_click(lambda _button: self.show_all())
        title = widgets.HTML(f"<b>{number}. {html.escape(question.prompt)}</b>")
        self.widget = widgets.VBox([title, self.options, widgets.HBox([self.button, self.reveal]),
                                    self.feedback, self.all_explained])

    def _on_check(self, _button: widgets.Button | None = None) -> None:
        verdict = check(self.question, self.options.value)
        if self.options.value is not None:
            self.attempts += 1
        self.solved = self.solved or verdict.correct
        colour = "green" if verdict.correct else "#b35900"
        self.feedback.value = f"<span style='color:{colour}'>{html.escape(verdict.message)}</span>"
        if verdict.correct:
            self.show_all()

    def show_all(self) -> None:
        """Reveal every option's explanation, the right one marked."""
        self.all_explained.value = explained(self.question)


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
        self.score.value = f"<i>Solved {self.solved} of {len(self.cards)}.</i>"

    @property
    def solved(self) -> int:
        """How many questions have been answered correctly at least once."""
        return sum(card.solved for card in self.cards)

    def _ipython_display_(self) -> None:
        display(self.widget)


def quiz(questions: Sequence[Question], title: str = "Check yourself") -> Quiz:
    """Build a quiz from given questions; a cell ending in this call shows it."""
    return Quiz(questions, title)


def show(chapter: str, title: str = "Check yourself") -> Quiz:
    """The quiz of one chapter ('03'), from the bank; a chapter cell ending in this call shows it."""
    return Quiz(questions_for(chapter), title)
