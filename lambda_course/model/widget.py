"""An interactive explorer of cost and scaling: sliders for duration, memory and load, and a platform choice.

`explore_view` does all the work and returns plain values, so it can be called and checked without a browser;
`explorer` only wires ipywidgets to it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.figure import Figure

from lambda_course.model.costs import PLATFORMS, CostBreakdown, monthly_cost
from lambda_course.model.plots import NAMES, draw_cost_vs_load, draw_spike_response
from lambda_course.model.prices import Limits, Prices
from lambda_course.model.scaling import ScalingResult, simulate
from lambda_course.model.workload import Workload, spike, steady

SPIKE_FACTOR = 10


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer shows for one setting of its controls."""

    figure: Figure
    costs: dict[str, CostBreakdown]
    crossovers: dict[str, float | None]
    spike: ScalingResult
    summary: str


def _summary(
    rate: float, costs: dict[str, CostBreakdown], crossovers: dict[str, float | None], result: ScalingResult
) -> str:
    """A short HTML account of the bills and the spike."""
    bills = ", ".join(f"{NAMES[p]} ${c.total:,.2f}" for p, c in costs.items())
    cross = ", ".join(
        f"{NAMES[p]} at {r:.3g} req/s" if r is not None else f"{NAMES[p]}: none in range"
        for p, r in crossovers.items()
    )
    word = "throttled" if result.platform == "lambda" else "dropped"
    return (
        f"<b>At {rate:g} req/s per month:</b> {bills}<br><b>Lambda breaks even with</b> {cross}<br>"
        f"<b>Spike to {SPIKE_FACTOR}x on {NAMES[result.platform]}:</b> {result.rejected_share:.1%} {word}"
    )


def explore_view(
    duration_ms: float,
    memory_mb: int,
    rate: float,
    platform: str,
    base: Workload | None = None,
    prices: Prices | None = None,
    limits: Limits | None = None,
) -> ExplorerView:
    """Costs at `rate`, the crossovers, and `platform`'s response to a spike to ten times `rate`."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    workload = (base or Workload(steady(rate))).with_(duration_ms=duration_ms, memory_mb=memory_mb)
    at_rate = workload.at_mean_rate(rate)
    costs = {p: monthly_cost(at_rate, p, prices, limits) for p in PLATFORMS}
    result = simulate(workload.with_(rate=spike(rate, rate * SPIKE_FACTOR)), platform, limits)
    figure = Figure(figsize=(12, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    crossovers = draw_cost_vs_load(left, workload, prices, limits, mark_rate=rate)
    draw_spike_response(right, result)
    return ExplorerView(figure, costs, crossovers, result, _summary(rate, costs, crossovers, result))


def figure_png(figure: Figure) -> bytes:
    """A figure rendered as PNG bytes, shown the same way whatever matplotlib backend the notebook uses."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def explorer(base: Workload | None = None, prices: Prices | None = None, limits: Limits | None = None):
    """The ipywidgets explorer: a column of controls above the summary and the figure."""
    import ipywidgets as widgets  # optional: ipywidgets only when the explorer is shown

    limits = limits or Limits.from_facts()
    controls = {
        "duration_ms": widgets.IntSlider(100, min=1, max=3000, step=1, description="duration ms"),
        "memory_mb": widgets.IntSlider(
            512, min=limits.memory_min_mb, max=limits.memory_max_mb, step=64, description="memory MB"
        ),
        "rate": widgets.FloatLogSlider(10, base=10, min=-2, max=3, step=0.1, description="req/s"),
        "platform": widgets.ToggleButtons(options=[(NAMES[p], p) for p in PLATFORMS], value="lambda"),
    }
    summary, image = widgets.HTML(), widgets.Image(format="png")

    def refresh(_change: object = None) -> None:
        """Recompute the view for the controls' current values."""
        view = explore_view(
            **{k: c.value for k, c in controls.items()}, base=base, prices=prices, limits=limits
        )
        summary.value, image.value = view.summary, figure_png(view.figure)

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return widgets.VBox([*controls.values(), summary, image])
