"""A multiple-choice question with an explanation for every option, and the verdict on one answer."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """A prompt, its options, the index of the right one, and why each option is right or wrong."""

    prompt: str
    options: tuple[str, ...]
    answer: int
    explanations: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.options) < 2:
            raise ValueError(f"a question needs at least two options: {self.prompt!r}")
        if not 0 <= self.answer < len(self.options):
            raise ValueError(f"answer index {self.answer} is out of range for {self.prompt!r}")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"options must differ from each other: {self.prompt!r}")
        if len(self.explanations) != len(self.options) or not all(text.strip() for text in self.explanations):
            raise ValueError(f"give every option an explanation, one per option: {self.prompt!r}")

    @property
    def right(self) -> str:
        """The text of the right option."""
        return self.options[self.answer]

    @property
    def why(self) -> str:
        """Why the right option is right."""
        return self.explanations[self.answer]

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
    """Judge a choice, given as an option index or its text; a wrong one is told why it is wrong, not the answer."""
    if choice is None:
        return Feedback(False, "Pick an option first.")
    index = question.options.index(choice) if isinstance(choice, str) else choice
    if not 0 <= index < len(question.options):
        raise ValueError(f"no option number {index}")
    if index == question.answer:
        return Feedback(True, f"Correct. {question.why}")
    return Feedback(False, f"Not quite. {question.explanations[index]} Try another option, or press "
                           "'Show answer' to see them all explained.")
