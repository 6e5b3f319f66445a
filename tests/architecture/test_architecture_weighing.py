"""Lab 6 Part 1 graded constraint by constraint: one choice test and one test per shown constraint, each on its own.

Questions 3 to 5 (gpu-inference, websocket-chat, steady-2000-rps) follow the scheme of questions 1, 2 and 6: the
scenario is shown with the constraints to weigh, the platform earns 1 point, each constraint 0.25, and a wrong call
on one constraint costs that constraint's test only, with a message about it alone.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from lambda_course.architecture import load_bank
from lambda_course.checks import CheckFailed
from lambda_course.labchecks import architecture as architecture_checks
from lambda_course.labs import lab
from localaws.facts import value

NEW_QUESTIONS = ("gpu-inference", "websocket-chat", "steady-2000-rps")
CHOICE_TEST = re.compile(r'check_choice\("([\w-]+)", (\w+)\)')
CONSTRAINT_TEST = re.compile(r'check_constraint\("([\w-]+)", (\w+), "([\w-]+)"\)')
CHOICE_POINTS, CONSTRAINT_POINTS = 1, 0.25


@pytest.fixture(scope="module")
def solution() -> nbformat.NotebookNode:
    """Lab 6's instructors' notebook."""
    return nbformat.read(lab("lab6-architecture").source(), as_version=4)


def _tests(notebook: nbformat.NotebookNode) -> list[tuple[str, float, str]]:
    """Every graded test cell of the notebook as (grade id, points, source)."""
    marks = [(c.metadata.get("nbgrader", {}), c.source) for c in notebook.cells if c.cell_type == "code"]
    return [(m["grade_id"], m["points"], s) for m, s in marks if m.get("grade") and not m.get("solution")]


def _answer(scenario_id: str, constraints: list[str]) -> dict[str, object]:
    """An answer with the scenario's defensible platform and the given constraints."""
    return {"choice": load_bank().scenario(scenario_id).choice, "constraints": constraints}


def _failing(scenario_id: str, answer: dict[str, object]) -> dict[str, str]:
    """The shown constraints whose check fails for this answer, with the message each one gives."""
    failed = {}
    for word in load_bank().scenario(scenario_id).weigh:
        try:
            architecture_checks.check_constraint(scenario_id, answer, word)
        except CheckFailed as problem:
            failed[word] = str(problem)
    return failed


def test_every_part_1_question_grades_its_choice_and_each_shown_constraint_visibly(solution):
    tests = _tests(solution)
    choices = {m.group(1): (gid, pts, src) for gid, pts, src in tests if (m := CHOICE_TEST.search(src))}
    assert set(NEW_QUESTIONS) <= set(choices)
    for scenario_id, (grade_id, points, source) in choices.items():
        assert points == CHOICE_POINTS and "HIDDEN TESTS" not in source, grade_id
        shown = [m.group(3) for _, _, src in tests if (m := CONSTRAINT_TEST.search(src)) and m.group(1) == scenario_id]
        assert shown == list(load_bank().scenario(scenario_id).weigh), scenario_id
    constraint_tests = [(gid, pts, src) for gid, pts, src in tests if CONSTRAINT_TEST.search(src)]
    assert all(pts == CONSTRAINT_POINTS and "HIDDEN TESTS" not in src for _, pts, src in constraint_tests)


def test_each_part_1_question_shows_its_scenario_with_the_constraints_to_weigh(solution):
    sources = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
    for scenario_id in NEW_QUESTIONS:
        assert f'architecture_checks.show_scenario("{scenario_id}")' in sources, scenario_id
    assert "check_answer_form(" not in sources  # no test that only checks the form while hidden ones grade


@pytest.mark.parametrize("scenario_id", NEW_QUESTIONS)
def test_the_defensible_answer_passes_every_test_of_its_question(scenario_id):
    answer = _answer(scenario_id, list(load_bank().scenario(scenario_id).deciding))
    architecture_checks.check_choice(scenario_id, answer)
    assert _failing(scenario_id, answer) == {}


@pytest.mark.parametrize("scenario_id", NEW_QUESTIONS)
def test_naming_a_constraint_that_does_not_bear_fails_that_test_alone(scenario_id):
    scenario = load_bank().scenario(scenario_id)
    for word in (w for w in scenario.weigh if w not in scenario.deciding):
        answer = _answer(scenario_id, [*scenario.deciding, word])
        architecture_checks.check_choice(scenario_id, answer)
        failed = _failing(scenario_id, answer)
        assert list(failed) == [word]
        assert failed[word].startswith(f"{word!r} does not bear on this workload, but your answer names it.")
        assert load_bank().constraints[word].explain in failed[word]


@pytest.mark.parametrize("scenario_id", NEW_QUESTIONS)
def test_leaving_out_a_deciding_constraint_fails_that_test_alone(scenario_id):
    scenario = load_bank().scenario(scenario_id)
    unshown = [c for c in scenario.relevant if c not in scenario.weigh]
    assert unshown, "each question has a relevant constraint that is not shown"
    for word in scenario.deciding:
        answer = _answer(scenario_id, [c for c in scenario.deciding if c != word] + unshown[:1])
        failed = _failing(scenario_id, answer)
        assert list(failed) == [word]
        assert f"{word!r} drives this choice, but your answer leaves it out" in failed[word]


@pytest.mark.parametrize(
    "scenario_id, wrong, better, because",
    [
        ("gpu-inference", "lambda", "eks", "gpu"),
        ("websocket-chat", "lambda", "fargate", "long-lived-connections"),
        ("steady-2000-rps", "lambda", "fargate", "steady-high-throughput-cost"),
    ],
)
def test_a_wrong_platform_fails_the_choice_test_and_names_what_rules_it_out(scenario_id, wrong, better, because):
    answer = {"choice": wrong, "constraints": list(load_bank().scenario(scenario_id).deciding)}
    with pytest.raises(CheckFailed, match=f"the better choice is {better}") as failure:
        architecture_checks.check_choice(scenario_id, answer)
    assert f"[{because}] {load_bank().constraints[because].explain}" in str(failure.value)
    assert _failing(scenario_id, answer) == {}  # the reasons were right: only the platform costs points


def test_an_answer_with_no_constraints_fails_every_shown_constraint_not_only_the_deciding_ones():
    failed = _failing("gpu-inference", _answer("gpu-inference", []))
    assert list(failed) == list(load_bank().scenario("gpu-inference").weigh)
    assert all("names no constraint yet" in failed[w] for w in failed if w != "gpu")


def test_the_constraints_shown_as_not_bearing_on_the_steady_service_really_do_not():
    """Checked against the workload and the facts file.

    Concurrency is requests per second times their duration in seconds
    (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html), here far under the account's default
    quota; one request is far under the longest timeout
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html); and the rate never drops, so there
    is no idle time to pay nothing for.
    """
    scenario = load_bank().scenario("steady-2000-rps")
    assert {"concurrency-quota", "15-minute-limit", "scale-to-zero"} <= set(scenario.weigh) - set(scenario.deciding)
    workload = scenario.workload or {}
    concurrency = workload["rate"]["rps"] * workload["duration_ms"] / 1000
    assert concurrency < value("account_concurrency_default") / 10
    assert workload["duration_ms"] / 1000 < value("timeout_max_s")
    assert workload["rate"]["kind"] == "steady" and "day and night" in scenario.description
