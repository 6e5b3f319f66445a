"""The scenario bank: its rules hold, its numbers come from the facts file, the cost model backs it."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from grader import model
from grader.architecture import OPTIONS, BankError, load_bank, scenario_workload, vocabulary
from grader.architecture.bank import parse_bank
from grader.architecture.render import format_number, render
from grader.facts import all_facts, value

REQUIRED_USE_CASES = {
    "spiky-api-backend", "s3-image-thumbnails", "voice-assistant-skill", "nightly-etl", "batch-40-minutes",
    "websocket-chat", "gpu-inference", "steady-2000-rps", "legacy-java-monolith",
}


@pytest.fixture(scope="module")
def raw() -> dict:
    return tomllib.loads(resources.files("grader.architecture").joinpath("bank.toml").read_text())


def test_the_bank_holds_enough_scenarios_including_the_guide_use_cases():
    bank = load_bank()
    assert len(bank.scenarios) >= 15
    assert REQUIRED_USE_CASES <= set(bank.scenarios)
    assert {s.choice for s in bank.scenarios.values()} == set(OPTIONS)


def test_every_scenario_names_a_choice_and_reasons_from_the_vocabulary():
    bank = load_bank()
    for s in bank.scenarios.values():
        assert s.choice in OPTIONS and s.deciding, s.id
        named = set(s.deciding) | set(s.relevant) | {c for cs in s.rules_out.values() for c in cs}
        assert named <= set(bank.constraints), s.id
        for other in set(OPTIONS) - {s.choice, "hybrid", *s.also_accepted}:
            assert s.rules_out.get(other) and s.why_not.get(other), f"{s.id}: nothing rules out {other}"


def test_every_constraint_cites_facts_that_exist_and_renders_without_placeholders():
    facts = all_facts()
    for c in load_bank().constraints.values():
        assert set(c.facts) <= set(facts), c.id
        assert "{" not in c.explain and "}" not in c.explain, c.id


def test_explanations_carry_the_numbers_of_the_facts_file():
    words = vocabulary()
    assert f"{value('timeout_max_s')} s" in words["15-minute-limit"]
    assert f"({format_number(value('timeout_max_s') / 60)} minutes)" in words["15-minute-limit"]
    assert format_number(value("memory_max_mb")) in words["memory-cpu-ceiling"]
    assert format_number(value("price_eks_cluster_hour")) in words["ops-cost"]


def test_render_converts_units_and_refuses_unknown_facts():
    assert render("{scaling_step_seconds} s") == f"{value('scaling_step_seconds')} s"
    hours = format_number(value("async_max_event_age_s") / 3600)
    assert render("{async_max_event_age_s:h} h") == f"{hours} h"
    with pytest.raises(KeyError):
        render("{no_such_fact}")


@pytest.mark.parametrize(
    "break_it, problem",
    [
        (lambda r: r["scenarios"]["gpu-inference"].update(deciding=["needs-a-gpu"]), "unknown constraint"),
        (lambda r: r["scenarios"]["gpu-inference"].update(choice="ec2"), "is not one of"),
        (lambda r: r["scenarios"]["gpu-inference"]["rules_out"].pop("fargate"), "why not fargate"),
        (lambda r: r["scenarios"]["contact-form"].pop("workload"), "gives no workload"),
        (lambda r: r["constraints"]["gpu"].update(explain="up to {gpu_count} GPUs"), "unknown fact"),
        (lambda r: r["constraints"]["gpu"].update(explain="{timeout_max_s} s"), "does not list it"),
    ],
)
def test_a_broken_bank_is_refused_with_the_reason(raw, break_it, problem):
    broken = copy.deepcopy(raw)
    break_it(broken)
    with pytest.raises(BankError, match=problem):
        parse_bank(broken)


def test_the_cost_model_backs_the_scenarios_cost_arguments():
    bank = load_bank()
    for s in bank.scenarios.values():
        if s.workload is None:
            continue
        w = scenario_workload(s.id)
        bills = {p: model.monthly_cost(w, p).total for p in model.PLATFORMS}
        if "steady-high-throughput-cost" in s.deciding:
            assert bills["lambda"] > bills[s.choice], s.id
        if s.choice == "lambda" and "scale-to-zero" in s.deciding:
            assert bills["lambda"] < min(bills["fargate"], bills["eks"]), s.id
