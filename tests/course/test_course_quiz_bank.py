"""The quiz bank (lambda_course/data/quizzes.toml) holds every chapter's questions to the course's rules.

Four options each, every option explained, the right answer neither the longest option by habit nor stuck in one
place, no repeated options, numbers only from the facts file, and a shuffle that shows the same order everywhere.
"""

import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from test_course_no_hardcoded_facts import find_hardcoded

from lambda_course.chapters.quizbank import bank, build, chapter_ids, computed, raw_entries
from localaws.facts import value

QUESTIONS = [(chapter, question) for chapter, items in bank().items() for question in items]
# Throwaway distractors the old quizzes used, whole; nobody half-informed would pick them.
THROWAWAYS = {"reinstall the course", "nobody needs to", "it makes the invocation faster", "neither"}


def _share(counter: Counter) -> float:
    return max(counter.values()) / sum(counter.values())


def test_every_chapter_has_three_to_five_questions():
    sizes = {chapter: len(items) for chapter, items in bank().items()}
    assert set(sizes) == set(chapter_ids())
    assert all(3 <= size <= 5 for size in sizes.values()), sizes


def test_every_question_has_four_distinct_options_each_explained():
    for chapter, question in QUESTIONS:
        assert len(question.options) == 4, f"{chapter}: {question.prompt!r}"
        assert len({option.casefold() for option in question.options}) == 4, f"{chapter}: {question.prompt!r}"
        assert all(len(why.split()) >= 4 for why in question.explanations), f"{chapter}: {question.prompt!r}"


def test_no_two_questions_share_a_prompt_and_none_keeps_a_throwaway_option():
    prompts = Counter(question.prompt for _chapter, question in QUESTIONS)
    assert max(prompts.values()) == 1, [prompt for prompt, count in prompts.items() if count > 1]
    lowered = [option.casefold() for _chapter, question in QUESTIONS for option in question.options]
    assert not [option for option in lowered if option in THROWAWAYS]


def test_the_right_answer_is_the_strictly_longest_option_in_at_most_a_third():
    longest = [question.prompt for _chapter, question in QUESTIONS
               if all(len(question.right) > len(option) for option in question.options if option != question.right)]
    assert len(longest) <= len(QUESTIONS) / 3, f"{len(longest)} of {len(QUESTIONS)}: {longest}"


@pytest.mark.parametrize("where", ["declared", "displayed"])
def test_the_right_answer_moves_around(where):
    positions = Counter(question.answer if where == "declared" else question.display_order().index(question.answer)
                        for _chapter, question in QUESTIONS)
    assert set(positions) == {0, 1, 2, 3} and _share(positions) <= 0.4, f"{where} positions: {positions}"


def test_the_display_shuffle_is_the_same_in_every_process():
    here = {question.prompt: list(question.display_order()) for _chapter, question in QUESTIONS}
    script = ("import json; from lambda_course.chapters.quizbank import bank; "
              "print(json.dumps({q.prompt: list(q.display_order()) for items in bank().values() for q in items}))")
    for seed in ("0", "4242"):
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert json.loads(run.stdout) == here


def test_the_bank_types_no_aws_number_and_fills_every_placeholder():
    for entry in raw_entries():
        texts = [entry["prompt"], *(text for pair in entry["options"] for text in pair)]
        copied = [hit for text in texts for hit in find_hardcoded(text)]
        assert not copied, f"{entry['chapter']}: {entry['prompt'][:60]!r} types {copied}; use a {{fact}} field"
    filled = " ".join(text for _chapter, q in QUESTIONS for text in (q.prompt, *q.options, *q.explanations))
    assert not re.search(r"\{\w+(:\w*)?\}", filled), "a template field was left unfilled"


def test_fact_fields_and_computed_numbers_are_filled_from_the_facts_file():
    visibility = next(q for chapter, q in QUESTIONS if chapter == "08" and "visibility timeout" in q.prompt)
    assert visibility.right == f"{60 * value('sqs_visibility_timeout_factor')} s"
    assert computed("60 * sqs_visibility_timeout_factor / 2") == 30 * value("sqs_visibility_timeout_factor")
    with pytest.raises(ValueError, match="numbers, fact keys"):
        computed("__import__('os').getcwd()")


def test_a_malformed_entry_is_refused(tmp_path):
    bad = tmp_path / "quizzes.toml"
    bad.write_text('[[question]]\nchapter = "42"\nprompt = "p"\nanswer = 0\noptions = [["a", "b"], ["c", "d"]]\n')
    with pytest.raises(ValueError, match="unknown chapters 42"):
        raw_entries(bad)
    with pytest.raises(ValueError, match=r"\[text, explanation\]"):
        build({"prompt": "p", "answer": 0, "options": [["a", "why a"], ["b"]]})
