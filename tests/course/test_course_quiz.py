"""The quiz: answer checks, explanations, the shuffled order of options, and the widget driven as a learner would."""

import os
import subprocess
import sys

import pytest
from course_notebook_cells import all_questions

from lambda_course.chapters import quiz as quiz_module
from lambda_course.chapters.quiz import Question, check, quiz, show
from lambda_course.chapters.quizbank import questions_for

Q = Question("Which phase runs code outside the handler?", ("INIT", "INVOKE", "SHUTDOWN"), 0,
             ("Module-level code runs once per environment.", "The handler runs then.", "Too late."))


def test_check_accepts_index_or_text():
    assert check(Q, 0).correct
    assert check(Q, "INIT").correct
    assert not check(Q, "SHUTDOWN").correct


def test_a_wrong_answer_is_told_why_it_is_wrong_but_not_the_answer():
    verdict = check(Q, 1)
    assert "The handler runs then." in verdict.message
    assert Q.why not in verdict.message and "INIT" not in verdict.message


def test_no_choice_asks_for_one():
    verdict = check(Q, None)
    assert not verdict.correct and "Pick" in verdict.message


@pytest.mark.parametrize("bad", [
    dict(prompt="p", options=("only",), answer=0, explanations=("x",)),
    dict(prompt="p", options=("a", "b"), answer=2, explanations=("x", "y")),
    dict(prompt="p", options=("a", "a"), answer=0, explanations=("x", "y")),
    dict(prompt="p", options=("a", "b"), answer=0, explanations=("x",)),
    dict(prompt="p", options=("a", "b"), answer=0, explanations=("x", "  ")),
])
def test_malformed_questions_are_rejected(bad):
    with pytest.raises(ValueError):
        Question(**bad)


def test_widget_feedback_and_score_follow_clicks():
    other = Question("2 + 2?", ("3", "4"), 1, ("One short.", "Arithmetic."))
    widget = quiz([Q, other])
    first, second = widget.cards
    first.button.click()
    assert "Pick" in first.feedback.value and widget.solved == 0
    first.options.value = "INVOKE"
    first.button.click()
    assert "Not quite" in first.feedback.value and "The handler runs then." in first.feedback.value
    assert not first.solved and first.all_explained.value == ""
    first.options.value = "INIT"
    first.button.click()
    assert "Correct" in first.feedback.value
    assert widget.solved == 1 and "Solved 1 of 2" in widget.score.value
    second.options.value = "4"
    second.button.click()
    assert "Solved 2 of 2" in widget.score.value
    assert first.attempts == 2


def test_a_right_answer_reveals_every_explanation_in_display_order():
    card = quiz([Q]).cards[0]
    card.options.value = "INIT"
    card.button.click()
    shown = card.all_explained.value
    assert all(why in shown for why in Q.explanations)
    positions = [shown.index(Q.options[index]) for index in Q.display_order()]
    assert positions == sorted(positions), "explanations follow the order the options are shown in"
    assert shown.count("✔") == 1


def test_show_answer_reveals_the_explanations_without_counting_as_solved():
    widget = quiz([Q])
    card = widget.cards[0]
    card.reveal.click()
    assert "Module-level code runs once per environment." in card.all_explained.value
    assert not card.solved and widget.solved == 0


def test_options_show_in_a_shuffled_order_that_is_the_same_every_time():
    order = Q.display_order()
    assert sorted(order) == [0, 1, 2]
    twin = Question(Q.prompt, Q.options, Q.answer, ("Another explanation.", "b", "c"))
    assert twin.display_order() == order and quiz([Q]).cards[0].options.options == tuple(Q.displayed_options())
    # The seed must not depend on Python's per-process string hashing, or learners would see options move.
    script = ("from lambda_course.chapters.questions import Question; "
              f"print(list(Question({Q.prompt!r}, {Q.options!r}, 0, ('a', 'b', 'c')).display_order()))")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == str(list(order))


def test_a_chapter_shows_its_bank_questions_with_one_call():
    shown = show("08")
    assert [card.question for card in shown.cards] == list(questions_for("08"))
    with pytest.raises(KeyError, match="no questions for chapter '99'"):
        show("99")


def test_the_module_is_what_chapters_call():
    assert quiz_module.show is show


def test_every_chapter_question_still_checks_by_meaning_after_the_shuffle():
    for slug, question in all_questions():
        card = quiz([question]).cards[0]
        assert list(card.options.options) == question.displayed_options() and question.right in card.options.options
        for shown in card.options.options:
            card.options.value = shown
            card.button.click()
            assert ("Correct" in card.feedback.value) == (shown == question.right), f"{slug}: {question.prompt!r}"
        assert card.solved
