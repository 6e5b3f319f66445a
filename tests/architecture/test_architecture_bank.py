"""The scenario bank: its rules hold, its numbers come from the facts file, the cost model backs it."""

from __future__ import annotations

import copy
import math

import pytest

from lambda_course import answerkeys, model
from lambda_course.architecture import OPTIONS, BankError, load_bank, managed, scenario_workload, vocabulary
from lambda_course.architecture.bank import ANSWER_KEY, merge_answers, parse_bank, read_bank_file
from lambda_course.architecture.render import format_number, render
from localaws.facts import all_facts, value

REQUIRED_USE_CASES = {
    "spiky-api-backend", "s3-image-thumbnails", "voice-assistant-skill", "nightly-etl", "batch-40-minutes",
    "websocket-chat", "gpu-inference", "steady-2000-rps", "legacy-java-monolith",
}


@pytest.fixture(scope="module")
def raw() -> dict:
    """The bank's data with the answer key merged in, as load_bank builds it for the grader."""
    return merge_answers(read_bank_file(), answerkeys.load(ANSWER_KEY))


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
        (lambda r: r["scenarios"]["batch-40-minutes"].pop("job_minutes"), "gives no job_minutes"),
        (lambda r: r["scenarios"]["video-transcoding"].update(job_minutes=15), r"fits in the 900 s \(timeout_max_s\)"),
        (lambda r: r["scenarios"]["contact-form"]["workload"].update(api="soap"), "cost model accepts"),
        (lambda r: r["scenarios"]["nightly-etl"]["workload"].update(duration_ms=1_200_000), "at most 900 s"),
    ],
)
def test_a_broken_bank_is_refused_with_the_reason(raw, break_it, problem):
    broken = copy.deepcopy(raw)
    break_it(broken)
    with pytest.raises(BankError, match=problem):
        parse_bank(broken)


COST = {"steady-high-throughput-cost", "scale-to-zero"}
SCALE = {"spiky-traffic"}


def with_workloads() -> list:
    """The scenarios that carry a workload for the cost model."""
    return [s for s in load_bank().scenarios.values() if s.workload is not None]


def test_every_scenario_decided_by_cost_or_scale_carries_a_workload():
    """A cost or scale argument that decides a scenario, or rules Lambda out, can be checked against the model."""
    for s in load_bank().scenarios.values():
        if (COST | SCALE) & (set(s.deciding) | set(s.rules_out.get("lambda", ()))):
            assert s.workload is not None, s.id
    assert {"clickstream-window", "platform-on-kubernetes", "steady-2000-rps"} <= {s.id for s in with_workloads()}


def test_the_cost_model_backs_the_scenarios_cost_arguments():
    """Where steady throughput rules Lambda out, Lambda's bill is above every container bill; where scaling to
    zero rules an option out, that option's bill is above Lambda's."""
    checked = set()
    for s in with_workloads():
        w = scenario_workload(s.id)
        bills = {p: model.monthly_cost(w, p).total for p in model.PLATFORMS}
        bills["lambda-managed-instances"] = managed.monthly_cost(w)
        if "steady-high-throughput-cost" in s.rules_out.get("lambda", ()):
            assert bills["lambda"] > max(bills["fargate"], bills["eks"]), (s.id, bills)
            checked.add(s.id)
        for option, reasons in s.rules_out.items():
            if "scale-to-zero" in reasons:
                assert bills["lambda"] < bills[option], (s.id, option, bills)
                checked.add(s.id)
        if s.choice == "lambda" and "scale-to-zero" in s.deciding:
            assert bills["lambda"] < min(bills["fargate"], bills["eks"]), (s.id, bills)
    assert len(checked) >= 9, checked


def test_the_model_backs_the_spiky_traffic_arguments():
    """Where spiky traffic decides for Lambda, the model's Lambda throttles nothing during the scenario's spike,
    while each option it rules out throttles or keeps requests waiting for capacity."""
    deciding = [s for s in with_workloads() if "spiky-traffic" in s.deciding]
    assert {s.id for s in deciding} == {"spiky-api-backend", "queue-bursts"}
    for s in deciding:
        w = scenario_workload(s.id)
        assert model.simulate(w, "lambda").rejected.sum() == 0, s.id
        for option, reasons in s.rules_out.items():
            if "spiky-traffic" in reasons and option in model.PLATFORMS:  # Managed Instances: see below
                r = model.simulate(w, option)
                assert r.rejected.sum() + r.queued.max() > 0, (s.id, option)


def test_steady_2000_rps_costs_match_a_hand_calculation():
    """2,000 req/s, 40 ms, 512 MB, an HTTP API in front: 5,256 million requests a month.

    Lambda: 5,256 x $0.20 = $1,051.20; 5,256,000,000 x 0.04 s x 0.5 GB = 105,120,000 GB-s x $0.0000166667
    = $1,752.0035; API Gateway 5,256 x $1.00 = $5,256.00; total $8,059.2035.
    Fargate: 80 in flight over 40 x 0.7 = 28 per task -> 3 tasks of 1 vCPU / 2 GB:
    3 x 730 x ($0.04048 + 2 x $0.004445) = $108.1203, plus the same $5,256.00.
    """
    w = scenario_workload("steady-2000-rps")
    assert model.monthly_cost(w, "lambda").total == pytest.approx(8_059.2035, rel=1e-8)
    assert model.monthly_cost(w, "fargate").total == pytest.approx(108.1203 + 5_256, rel=1e-8)


@pytest.mark.parametrize("scenario_id", ["batch-40-minutes", "video-transcoding", "genomics-big-memory"])
def test_the_15_minute_scenarios_outlast_lambda_and_the_model_refuses_them(scenario_id):
    """Each job runs longer than timeout_max_s, so the model refuses to price it on Lambda but prices a container."""
    s = load_bank().scenario(scenario_id)
    assert s.job_minutes * 60 > value("timeout_max_s")
    job = model.Workload(model.per_month(4), duration_ms=s.job_minutes * 60_000, api=None, task_vcpu=4, task_gb=16)
    with pytest.raises(ValueError, match="timeout_max_s"):
        model.lambda_cost(job)
    assert model.fargate_cost(job).total > 0


def test_a_workload_without_an_api_is_written_as_none():
    """TOML has no null: `api = "none"` builds a workload with no API Gateway line."""
    w = scenario_workload("clickstream-window")
    assert w.api is None and model.monthly_cost(w, "fargate").items["api gateway"] == 0
    assert scenario_workload("storefront-hybrid").api == "http"


def test_managed_instances_win_only_where_the_bank_says_so():
    """Lambda Managed Instances bill instances around the clock (EC2 price, a management fee, the request charge):
    cheaper than on-demand Lambda for the steady, compute-heavy card-fraud-scoring, dearer wherever the bank
    rules them out for spiky or idle load, and the only option for which the scenario's answer is theirs.
    Prices: https://aws.amazon.com/lambda/pricing/ (Lambda Managed Instances)."""
    bank = load_bank()
    fraud = scenario_workload("card-fraud-scoring")
    assert managed.monthly_cost(fraud) < model.monthly_cost(fraud, "lambda").total / 2
    assert bank.scenario("card-fraud-scoring").choice == "lambda-managed-instances"
    assert [s.id for s in bank.scenarios.values() if s.choice == "lambda-managed-instances"] == ["card-fraud-scoring"]
    ruled_out = [s for s in with_workloads() if s.choice == "lambda"
                 and {"spiky-traffic", "scale-to-zero"} & set(s.rules_out.get("lambda-managed-instances", ()))]
    assert {s.id for s in ruled_out} >= {"spiky-api-backend", "s3-image-thumbnails", "contact-form"}
    for s in ruled_out:
        w = scenario_workload(s.id)
        assert managed.monthly_cost(w) > model.monthly_cost(w, "lambda").total, s.id


def test_a_managed_instances_bill_follows_a_hand_calculation():
    """card-fraud-scoring: 1,200 scores a second of 250 ms keep 300 vCPUs busy, 75 four-vCPU instances."""
    w = scenario_workload("card-fraud-scoring")
    assert managed.instances_needed(w) == 75
    hourly = value("price_ec2_c6i_xlarge_hour") * (1 + value("managed_instances_fee_percent") / 100)
    requests = 1200 * value("hours_per_month") * 3600
    expected = 75 * hourly * value("hours_per_month") + requests / 1e6 * value("price_requests_per_million")
    assert w.api is None  # fed by a queue: no API Gateway charge on top
    assert math.isclose(managed.monthly_cost(w), expected)
