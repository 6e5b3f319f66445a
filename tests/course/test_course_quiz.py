"""The quiz: answer checks, and the widget's Check button driven as a learner would."""

import pytest

from grader.chapters.quiz import Question, check, quiz

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
