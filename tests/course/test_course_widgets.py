"""Widget callbacks, driven by setting values and clicking, as a learner would in JupyterLab."""

import matplotlib

matplotlib.use("Agg")

from dataclasses import replace  # noqa: E402

import pytest  # noqa: E402

from lambda_course.architecture.bank import load_bank  # noqa: E402
from lambda_course.chapters import widgets  # noqa: E402
from lambda_course.chapters.choices import PLATFORM_NAMES, chooser_rules, traits  # noqa: E402
from lambda_course.chapters.text import number  # noqa: E402
from lambda_course.model import (  # noqa: E402
    Limits,
    Prices,
    Workload,
    invocation_cost,
    monthly_cost,
    per_month,
    run_seconds,
    simulate,
)
from localaws.facts import value  # noqa: E402

PNG = b"\x89PNG"


def test_memory_slider_updates_share_and_redraws():
    explorer = widgets.MemoryExplorer(cpu_seconds=1.0, wait_seconds=0.0)
    low_text, low_png = explorer.summary.value, explorer.image.value
    assert bytes(low_png).startswith(PNG)
    explorer.slider.value = 1792
    assert "1,792 MB" in explorer.summary.value and "1.01 vCPU" in explorer.summary.value
    assert explorer.summary.value != low_text and bytes(explorer.image.value) != bytes(low_png)


def test_memory_callback_reports_the_models_numbers():
    explorer = widgets.MemoryExplorer(cpu_seconds=0.5, wait_seconds=0.1)
    point = explorer.update(1024)
    assert point.seconds == pytest.approx(run_seconds(1024, 0.5, 0.1))
    assert point.cost == pytest.approx(invocation_cost(1024, point.seconds * 1000))
    assert f"{point.seconds:.2f} s" in explorer.summary.value


def test_scaling_sliders_rerun_the_simulation():
    explorer = widgets.ScalingExplorer()
    before, before_png = explorer.results, bytes(explorer.image.value)
    assert before_png.startswith(PNG)
    explorer.spike.value = 20000
    assert explorer.results is not before
    assert bytes(explorer.image.value) != before_png, "moving the spike slider must redraw the plot"
    lam = explorer.results["lambda"]
    assert lam.capacity.max() == explorer.quota.value
    assert "Peak concurrency" in explorer.summary.value
    throttled = lam.rejected_share
    assert throttled > 0
    explorer.quota.value = explorer.quota.max
    assert explorer.results["lambda"].rejected_share < throttled
    assert number(round(20000 * explorer.duration.value / 1000)) in explorer.summary.value


def test_scaling_callback_matches_the_model():
    explorer = widgets.ScalingExplorer()
    explorer.start.value = 30
    limits = Limits.from_facts().with_(fargate_task_start_s=30)
    direct = simulate(explorer.workload(), "fargate", limits)
    assert explorer.results["fargate"].rejected_share == pytest.approx(direct.rejected_share)
    explorer.start.value = 300
    assert explorer.results["fargate"].rejected_share > direct.rejected_share


def test_cost_explorer_crosses_over_as_traffic_grows():
    explorer = widgets.CostExplorer()
    assert explorer.update(10 ** explorer.requests.min) == "Lambda"
    assert "<b>Lambda</b> is cheaper" in explorer.summary.value
    low_png = bytes(explorer.image.value)
    assert low_png.startswith(PNG)
    explorer.requests.value = 10 ** explorer.requests.max
    assert "<b>Fargate</b> is cheaper" in explorer.summary.value
    assert bytes(explorer.image.value) != low_png, "moving the traffic slider must move the mark on the plot"
    crossing = explorer.crossover * Prices.from_facts().seconds_per_month
    assert explorer.update(crossing * 0.9) == "Lambda" and explorer.update(crossing * 1.1) == "Fargate"


def test_cost_explorer_bills_come_from_the_model():
    explorer = widgets.CostExplorer(memory_mb=1024, seconds=0.2, tasks=3)
    workload = Workload(per_month(5e7), duration_ms=200, memory_mb=1024, min_tasks=3, api=None)
    lam, fargate = explorer.costs(5e7)
    assert lam == pytest.approx(monthly_cost(workload, "lambda").total)
    assert fargate == pytest.approx(monthly_cost(workload, "fargate").total)


def test_pattern_tester_reports_match_no_match_and_bad_json():
    tester = widgets.PatternTester(lambda p, e: e.get("source") in p["source"], {"source": ["shop"]},
                                   {"source": "shop"})
    assert tester.update() is True and "Match" in tester.result.value
    tester.event.value = '{"source": "bank"}'
    tester.button.click()
    assert "No match" in tester.result.value
    tester.pattern.value = "{not json"
    assert tester.update() is None and "Not valid JSON" in tester.result.value


def test_pattern_tester_explains_a_matcher_error():
    def refuse(_pattern, _event):
        raise ValueError("bad operator")

    tester = widgets.PatternTester(refuse, {}, {})
    assert tester.update() is None and "bad operator" in tester.result.value


def test_flashcard_toggles_the_advanced_answer():
    card = widgets.Flashcard("Q?", "short", "long <answer>")
    assert card.advanced.value == ""
    card.button.click()
    assert "long &lt;answer&gt;" in card.advanced.value and card.button.description.startswith("Hide")
    card.button.click()
    assert card.advanced.value == ""


def test_chooser_leans_to_the_majority_and_calls_ties():
    chooser = widgets.Chooser([("bursty", "Lambda", "scales per request"),
                               ("hours long", "Kubernetes", "no time limit"),
                               ("GPU", "Kubernetes", "special hardware")])
    assert chooser.update() is None and "Tick" in chooser.verdict.value
    chooser.boxes[0].value = True
    assert chooser.update() == "Lambda"
    chooser.boxes[1].value = True
    assert chooser.update() is None and "close call" in chooser.verdict.value
    chooser.boxes[2].value = True
    assert chooser.update() == "Kubernetes" and "no time limit" in chooser.verdict.value


def test_default_quota_comes_from_facts():
    assert widgets.ScalingExplorer().quota.value == value("account_concurrency_default")


def test_chooser_traits_take_their_platform_and_reason_from_the_scenario_bank():
    bank = load_bank()
    rules = chooser_rules(bank)
    assert [trait for trait, _, _ in rules] == [trait for trait, _, _ in traits()]
    for (_trait, scenario_id, constraint_id), (_, platform, reason) in zip(traits(), rules, strict=True):
        scenario = bank.scenario(scenario_id)
        assert platform == PLATFORM_NAMES[scenario.choice]
        assert bank.constraints[constraint_id].explain in reason and scenario.title in reason


def test_chooser_sends_steady_high_load_where_the_bank_does():
    chooser = widgets.Chooser(chooser_rules())
    steady = next(i for i, (trait, _, _) in enumerate(traits()) if trait.startswith("Steady, high load"))
    chooser.boxes[steady].value = True
    expected = PLATFORM_NAMES[load_bank().scenario("steady-2000-rps").choice]
    assert chooser.update() == expected == "Fargate"
    assert "Kubernetes" not in chooser.verdict.value


def test_chooser_rules_refuse_a_trait_the_bank_does_not_back():
    bank = load_bank()
    wrong = bank.scenarios["steady-2000-rps"]
    bad = replace(bank, scenarios={**bank.scenarios, wrong.id: replace(wrong, deciding=("ops-cost",))})
    with pytest.raises(ValueError, match="does not decide"):
        chooser_rules(bad)
