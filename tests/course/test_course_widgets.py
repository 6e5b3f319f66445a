"""Widget callbacks, driven by setting values and clicking, as a learner would in JupyterLab."""

import matplotlib

matplotlib.use("Agg")

from grader.chapters import widgets  # noqa: E402
from grader.chapters.text import number  # noqa: E402
from grader.facts import value  # noqa: E402

PNG = b"\x89PNG"


def test_memory_slider_updates_share_and_redraws():
    explorer = widgets.MemoryExplorer(cpu_seconds=1.0, wait_seconds=0.0)
    low_text, low_png = explorer.summary.value, explorer.image.value
    assert bytes(low_png).startswith(PNG)
    explorer.slider.value = 1792
    assert "1,792 MB" in explorer.summary.value and "1.01 vCPU" in explorer.summary.value
    assert explorer.summary.value != low_text and bytes(explorer.image.value) != bytes(low_png)


def test_scaling_sliders_rerun_the_simulation():
    explorer = widgets.ScalingExplorer()
    before = explorer.result
    explorer.spike.value = 20000
    assert explorer.result is not before
    assert max(explorer.result.lam.units) == explorer.quota.value
    assert "Peak concurrency" in explorer.summary.value
    throttled = explorer.result.lam.share_served()
    assert throttled < 1.0
    explorer.quota.value = explorer.quota.max
    assert explorer.result.lam.share_served() > throttled
    assert number(round(20000 * explorer.duration.value / 1000)) in explorer.summary.value


def test_cost_explorer_crosses_over_as_traffic_grows():
    explorer = widgets.CostExplorer()
    explorer.requests.value = 10 ** explorer.requests.min
    assert "<b>Lambda</b> is cheaper" in explorer.summary.value
    explorer.requests.value = 10 ** explorer.requests.max
    assert "<b>Fargate</b> is cheaper" in explorer.summary.value


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
