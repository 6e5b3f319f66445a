"""Grading one scenario answer: points per part, and feedback that names what was missed."""

from __future__ import annotations

import pytest

from lambda_course.architecture import AnswerFormError, grade_answer, load_bank, scenario_workload, vocabulary
from lambda_course.architecture.render import format_number
from lambda_course.model import crossover_rate, monthly_cost
from localaws.facts import value

NUMBER_FUNCTIONS = {
    "lambda_monthly_usd": lambda w: monthly_cost(w, "lambda").total,
    "fargate_monthly_usd": lambda w: monthly_cost(w, "fargate").total,
    "crossover_rps_fargate": lambda w: crossover_rate(w, against="fargate"),
}


def model_numbers(scenario_id: str) -> dict[str, float]:
    """The scenario's numbers computed directly with the cost model, as a learner would."""
    scenario = load_bank().scenario(scenario_id)
    workload = scenario_workload(scenario_id) if scenario.workload else None
    return {key: NUMBER_FUNCTIONS[key](workload) for key in scenario.numbers}


@pytest.mark.parametrize("scenario_id", sorted(load_bank().scenarios))
def test_the_defensible_answer_earns_full_marks(scenario_id):
    s = load_bank().scenario(scenario_id)
    answer = {"choice": s.choice, "constraints": list(s.deciding), "numbers": model_numbers(scenario_id)}
    result = grade_answer(scenario_id, answer)
    assert result.full_marks and result.points == result.max_points > 0, result.message


def test_lambda_for_the_40_minute_batch_job_loses_the_choice_and_names_the_limit():
    result = grade_answer("batch-40-minutes", {"choice": "lambda", "constraints": ["15-minute-limit"]})
    assert result.parts == {"choice": 0.0, "constraints": 1.0}
    limit_s = value("timeout_max_s")
    assert "15-minute-limit" in result.message
    assert f"{limit_s} s ({format_number(limit_s / 60)} minutes)" in result.message
    assert "the better choice is fargate" in result.message


def test_a_missed_deciding_constraint_is_explained():
    result = grade_answer("websocket-chat", {"choice": "fargate", "constraints": ["long-lived-connections"]})
    assert result.parts == {"choice": 1.0, "constraints": 0.5}
    explanation = vocabulary()["in-memory-state"]
    minutes = format_number(value("idle_environment_lifetime_s") / 60)
    assert f"about {minutes} minutes" in explanation
    assert f"You did not name the deciding constraint 'in-memory-state': {explanation}" in result.message
    assert vocabulary()["long-lived-connections"] not in result.message and not result.full_marks


def test_naming_every_constraint_earns_no_constraint_points():
    everything = list(load_bank().constraints)
    result = grade_answer("gpu-inference", {"choice": "eks", "constraints": everything})
    assert result.parts["constraints"] == 0
    assert "'payload-size' does not bear on this workload" in result.message


def test_an_off_target_constraint_cancels_one_that_was_right():
    right = ["spiky-traffic", "scale-to-zero"]
    both = grade_answer("spiky-api-backend", {"choice": "lambda", "constraints": right})
    one_off = grade_answer("spiky-api-backend", {"choice": "lambda", "constraints": [*right, "gpu"]})
    assert both.parts["constraints"] == 1 and one_off.parts["constraints"] == 0.5


def test_an_also_accepted_choice_earns_the_choice_with_a_note():
    answer = {"choice": "fargate", "constraints": ["event-driven", "scale-to-zero"]}
    result = grade_answer("nightly-etl", answer)
    assert result.full_marks and "defensible" in result.message


def test_hybrid_where_one_platform_fits_says_why():
    result = grade_answer("gpu-inference", {"choice": "hybrid", "constraints": ["gpu"]})
    assert result.parts["choice"] == 0 and "[mixed-workload]" in result.message


def test_numbers_are_graded_against_the_model_within_tolerance():
    right = model_numbers("steady-2000-rps")
    close = {k: v * 1.01 for k, v in right.items()}
    off = dict(right, lambda_monthly_usd=right["lambda_monthly_usd"] * 1.2)
    base = {"choice": "fargate", "constraints": ["steady-high-throughput-cost"]}
    assert grade_answer("steady-2000-rps", {**base, "numbers": close}).parts["numbers"] == 2
    wrong = grade_answer("steady-2000-rps", {**base, "numbers": off})
    assert wrong.parts["numbers"] == pytest.approx(2 * 2 / 3, abs=1e-3)
    assert f"{right['lambda_monthly_usd']:,.2f}" in wrong.message
    missing = grade_answer("steady-2000-rps", base)
    assert missing.parts["numbers"] == 0 and 'crossover_rate(workload, against="fargate")' in missing.message


@pytest.mark.parametrize(
    "answer, complaint",
    [
        ("lambda", "is a dict"),
        ({"choice": "ec2", "constraints": []}, "must be one of"),
        ({"choice": "lambda", "constraints": ["cheap"]}, "not in the vocabulary"),
        ({"choice": "lambda", "constraints": "spiky-traffic"}, "is a list"),
        ({"choice": "lambda", "reasons": []}, "keys choice, constraints and numbers"),
    ],
)
def test_a_malformed_answer_is_refused_with_what_to_fix(answer, complaint):
    with pytest.raises(AnswerFormError, match=complaint):
        grade_answer("spiky-api-backend", answer)


def test_an_unknown_scenario_lists_the_known_ones():
    with pytest.raises(KeyError, match="batch-40-minutes"):
        grade_answer("no-such-scenario", {"choice": "lambda"})
