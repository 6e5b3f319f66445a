"""The quiz: answer checks, the shuffled order of options, and the widget's Check button driven as a learner would."""

import os
import subprocess
import sys
from collections import Counter

import pytest
from course_notebook_cells import all_questions

from lambda_course.chapters.quiz import Question, check, quiz

Q = Question("Which phase runs code outside the handler?", ("INIT", "INVOKE", "SHUTDOWN"), 0,
             "Module-level code runs once per environment.", hints=("", "The handler runs then.", "Too late."))


def test_check_accepts_index_or_text():
    assert check(Q, 0).correct
    assert check(Q, "INIT").correct
    assert not check(Q, "SHUTDOWN").correct


def test_wrong_answer_gets_its_hint_not_the_answer():
    verdict = check(Q, 1)
    assert "The handler runs then." in verdict.message
    assert Q.why not in verdict.message


def test_no_choice_asks_for_one():
    verdict = check(Q, None)
    assert not verdict.correct and "Pick" in verdict.message


@pytest.mark.parametrize("bad", [
    dict(prompt="p", options=("only",), answer=0, why=""),
    dict(prompt="p", options=("a", "b"), answer=2, why=""),
    dict(prompt="p", options=("a", "a"), answer=0, why=""),
    dict(prompt="p", options=("a", "b"), answer=0, why="", hints=("x",)),
])
def test_malformed_questions_are_rejected(bad):
    with pytest.raises(ValueError):
        Question(**bad)


def test_widget_feedback_and_score_follow_clicks():
    other = Question("2 + 2?", ("3", "4"), 1, "Arithmetic.")
    widget = quiz([Q, other])
    first, second = widget.cards
    first.button.click()
    assert "Pick" in first.feedback.value and widget.solved == 0
    first.options.value = "INVOKE"
    first.button.click()
    assert "Not quite" in first.feedback.value and not first.solved
    first.options.value = "INIT"
    first.button.click()
    assert "Correct" in first.feedback.value
    assert widget.solved == 1 and "Solved 1 of 2" in widget.score.value
    second.options.value = "4"
    second.button.click()
    assert "Solved 2 of 2" in widget.score.value
    assert first.attempts == 2


def test_options_show_in_a_shuffled_order_that_is_the_same_every_time():
    order = Q.display_order()
    assert sorted(order) == [0, 1, 2]
    twin = Question(Q.prompt, Q.options, Q.answer, "Another explanation.")
    assert twin.display_order() == order and quiz([Q]).cards[0].options.options == tuple(Q.displayed_options())
    # The seed must not depend on Python's per-process string hashing, or learners would see options move.
    script = ("from lambda_course.chapters.quiz import Question; "
              f"print(list(Question({Q.prompt!r}, {Q.options!r}, 0, '').display_order()))")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == str(list(order))


def test_the_right_option_moves_around_across_the_chapters_questions():
    positions = Counter(q.display_order().index(q.answer) for _slug, q in all_questions())
    total = sum(positions.values())
    assert total >= 40 and set(positions) == {0, 1, 2}
    assert max(positions.values()) <= total / 2, f"the right option sits too often in one place: {positions}"


def test_every_chapter_question_still_checks_by_meaning_after_the_shuffle():
    for slug, question in all_questions():
        card = quiz([question]).cards[0]
        right = question.options[question.answer]
        assert list(card.options.options) == question.displayed_options() and right in card.options.options
        for shown in card.options.options:
            card.options.value = shown
            card.button.click()
            assert ("Correct" in card.feedback.value) == (shown == right), f"{slug}: {question.prompt!r} / {shown!r}"
        assert card.solved
