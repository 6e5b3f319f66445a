"""Figures carry the artists the chapters rely on, and the widget's callback answers like the model does."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from lambda_course.model import (
    PLATFORMS,
    Prices,
    Workload,
    crossover_rate,
    explore_view,
    explorer,
    memory_sweep,
    monthly_cost,
    plot_cost_vs_load,
    plot_memory_sweep,
    plot_responses,
    plot_spike_response,
    simulate,
    spike,
    standard_sizes,
    steady,
)
from lambda_course.model.widget import figure_png
from localaws.facts import value

WORKLOAD = Workload(steady(1), duration_ms=100, memory_mb=512, api=None)
SPIKY = Workload(spike(10, 1000, at_s=30, length_s=200, total_s=400), duration_ms=100)


def _by_gid(fig: Figure) -> dict:
    """Every artist in the figure that has a gid, by gid."""
    return {a.get_gid(): a for a in fig.findobj(lambda a: a.get_gid() is not None)}


def test_cost_plot_has_a_line_per_platform_and_crossover_markers():
    """One cost line per platform, and a marker where Lambda meets Fargate and EKS, at the crossover rate."""
    fig = plot_cost_vs_load(WORKLOAD)
    artists = _by_gid(fig)
    assert {f"cost-{p}" for p in PLATFORMS} <= artists.keys()
    for other in ("fargate", "eks"):
        marker = artists[f"crossover-{other}"]
        rate = crossover_rate(WORKLOAD, other, high=1000)
        assert marker.get_xdata()[0] == pytest.approx(rate)
        assert marker.get_ydata()[0] == pytest.approx(monthly_cost(WORKLOAD.at_mean_rate(rate), other).total)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "Fargate" in " ".join(
        t.get_text() for t in ax.get_legend().get_texts()
    )


def test_cost_plot_follows_injected_prices():
    """With Fargate's vCPU price doubled, the Fargate line and its crossover marker move up."""
    cheap, dear = Prices.from_facts(), Prices.from_facts().with_(fargate_vcpu_hour=0.08096)
    low, high = _by_gid(plot_cost_vs_load(WORKLOAD, cheap)), _by_gid(plot_cost_vs_load(WORKLOAD, dear))
    assert np.all(high["cost-fargate"].get_ydata() > low["cost-fargate"].get_ydata())
    assert high["crossover-fargate"].get_xdata()[0] > low["crossover-fargate"].get_xdata()[0]


def test_cost_plot_marks_a_chosen_rate():
    """`mark_rate` adds a vertical line at that rate; without it there is none."""
    marked = _by_gid(plot_cost_vs_load(WORKLOAD, platforms=("lambda", "fargate"), mark_rate=3.0))
    assert list(marked["current-rate"].get_xdata()) == [3.0, 3.0]
    assert "cost-eks" not in marked and "crossover-eks" not in marked
    assert "current-rate" not in _by_gid(plot_cost_vs_load(WORKLOAD))


def test_spike_plot_has_a_panel_per_platform_with_capacity_and_losses():
    """Three panels; each shows demand and capacity; containers also show their queue."""
    fig = plot_spike_response(SPIKY)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert [t.split(":")[0] for t in titles] == ["Lambda", "Fargate", "EKS"]
    gids = [a.get_gid() for a in fig.findobj(lambda a: a.get_gid() is not None)]
    assert gids.count("capacity") == 3 and gids.count("demand") == 3 and gids.count("rejected") == 3
    assert gids.count("queued") == 2


def test_responses_plot_draws_results_already_run():
    """One panel per result given, titled with that result's rejected share."""
    results = [simulate(SPIKY, "lambda"), simulate(SPIKY, "fargate")]
    fig = plot_responses(results)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert [t.split(":")[0] for t in titles] == ["Lambda", "Fargate"]
    assert f"{results[1].rejected_share:.1%}" in titles[1]


def test_memory_sweep_plot_shows_model_measurements_and_one_vcpu():
    """Duration and cost lines from the sweep, measured points when given, and the one-vCPU line."""
    points = memory_sweep(standard_sizes(6), cpu_seconds=0.5)
    fig = plot_memory_sweep(points, measured=[(128, 7.0), (1024, 0.9)], mark=1024)
    artists = _by_gid(fig)
    assert list(artists["sweep-seconds"].get_ydata()) == [p.seconds for p in points]
    assert list(artists["sweep-cost"].get_ydata()) == pytest.approx([p.cost * 1e6 for p in points])
    assert list(artists["measured"].get_xdata()) == [128, 1024]
    assert artists["one-vcpu"].get_xdata()[0] == value("memory_per_vcpu_mb")
    assert "measured" not in _by_gid(plot_memory_sweep(points))


def test_widget_callback_matches_the_model():
    """The callback's bills equal `monthly_cost` at the chosen settings and its figure has both panels."""
    view = explore_view(duration_ms=250, memory_mb=1024, rate=5, platform="fargate")
    chosen = Workload(steady(5), duration_ms=250, memory_mb=1024)
    for platform in PLATFORMS:
        assert view.costs[platform].total == pytest.approx(monthly_cost(chosen, platform).total)
    assert view.spike.platform == "fargate"
    assert view.spike.demand.max() == pytest.approx(50 * 0.25)
    gids = {a.get_gid() for a in view.figure.findobj(lambda a: a.get_gid() is not None)}
    assert {"crossover-fargate", "current-rate", "capacity"} <= gids
    assert "Fargate" in view.summary


def test_widget_callback_reacts_to_memory_and_platform():
    """More memory raises only Lambda's bill; the platform choice picks whose spike is simulated."""
    small = explore_view(100, 512, 10, "lambda")
    large = explore_view(100, 2048, 10, "eks")
    assert large.costs["lambda"].total > small.costs["lambda"].total
    assert large.costs["fargate"].total == pytest.approx(small.costs["fargate"].total)
    assert (small.spike.platform, large.spike.platform) == ("lambda", "eks")


def test_explorer_redraws_when_a_slider_moves():
    """Moving the rate slider recomputes the summary and the picture."""
    box = explorer()
    rate = next(c for c in box.children if getattr(c, "description", "") == "req/s")
    summary = next(c for c in box.children if type(c).__name__ == "HTML")
    before = summary.value
    rate.value = 100
    assert summary.value != before and "100" in summary.value


def test_figure_png_renders():
    """A figure renders to PNG bytes for the widget's image."""
    assert figure_png(plot_cost_vs_load(WORKLOAD)).startswith(b"\x89PNG")
