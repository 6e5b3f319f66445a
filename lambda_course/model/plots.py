"""Chapter figures: cost against load with its crossovers, spike responses, and the memory sweep."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from lambda_course.model.costs import PLATFORMS, monthly_cost
from lambda_course.model.crossover import cost_curve, crossover_rate
from lambda_course.model.memory import SweepPoint
from lambda_course.model.prices import Limits, Prices
from lambda_course.model.scaling import ScalingResult, simulate
from lambda_course.model.workload import Workload

COLOURS = {"lambda": "tab:orange", "fargate": "tab:blue", "eks": "tab:green"}
NAMES = {"lambda": "Lambda", "fargate": "Fargate", "eks": "EKS"}


def default_rates() -> np.ndarray:
    """Average request rates from one every 100 s to 1,000 per second."""
    return np.geomspace(0.01, 1000, 121)


def draw_cost_vs_load(
    ax: Axes,
    workload: Workload,
    prices: Prices | None = None,
    limits: Limits | None = None,
    rates: Sequence[float] | np.ndarray | None = None,
    platforms: Sequence[str] = PLATFORMS,
    mark_rate: float | None = None,
) -> dict[str, float | None]:
    """Draw monthly cost per platform on `ax`, mark where Lambda meets each other one; return those rates."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    grid = np.asarray(default_rates() if rates is None else rates, dtype=float)
    for platform, totals in cost_curve(workload, grid, platforms, prices, limits).items():
        ax.plot(grid, totals, color=COLOURS[platform], label=NAMES[platform], gid=f"cost-{platform}")
    found = {}
    if "lambda" in platforms:
        for other in (p for p in platforms if p != "lambda"):
            found[other] = rate = crossover_rate(workload, other, prices, limits, grid.min(), grid.max())
            if rate is not None:
                cost = monthly_cost(workload.at_mean_rate(rate), other, prices, limits).total
                ax.plot(
                    [rate],
                    [cost],
                    "o",
                    color=COLOURS[other],
                    markeredgecolor="black",
                    zorder=5,
                    gid=f"crossover-{other}",
                    label=f"Lambda = {NAMES[other]} at {rate:.3g} req/s",
                )
    if mark_rate is not None:
        ax.axvline(mark_rate, color="grey", linestyle=":", gid="current-rate")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="average requests per second",
        ylabel="USD per month",
        title=f"Monthly cost: {workload.duration_ms:g} ms at {workload.memory_mb} MB",
    )
    ax.legend(fontsize="small")
    return found


def plot_cost_vs_load(
    workload: Workload,
    prices: Prices | None = None,
    limits: Limits | None = None,
    rates: Sequence[float] | np.ndarray | None = None,
    platforms: Sequence[str] = PLATFORMS,
    mark_rate: float | None = None,
) -> Figure:
    """Monthly cost against average load for each platform, with the crossover points marked.

    `mark_rate` draws a dotted line at one average rate, e.g. the one a widget's slider has chosen.
    """
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    draw_cost_vs_load(fig.add_subplot(), workload, prices, limits, rates, platforms, mark_rate)
    return fig


def draw_spike_response(ax: Axes, result: ScalingResult) -> None:
    """Draw a platform's demand, capacity and served load; rejected and queued requests on a twin axis."""
    t = result.times
    ax.plot(t, result.demand, color="black", linestyle="--", label="demand", gid="demand")
    ax.step(
        t, result.capacity, where="post", color=COLOURS[result.platform], label="capacity", gid="capacity"
    )
    ax.plot(
        t, result.served, color=COLOURS[result.platform], alpha=0.4, linewidth=3, label="served", gid="served"
    )
    ax.set(xlabel="seconds", ylabel="requests in flight")
    lost = ax.twinx()
    lost.fill_between(t, 0, result.rejected, color="tab:red", alpha=0.3, label="rejected", gid="rejected")
    if result.queued.any():
        lost.plot(t, result.queued, color="tab:purple", label="queued", gid="queued")
    lost.set_ylim(bottom=0, top=max(1.0, 1.05 * max(result.rejected.max(), result.queued.max())))
    lost.set_ylabel("requests rejected per step, or queued")
    word = "throttled" if result.platform == "lambda" else "dropped"
    extra = f", cold starts {result.cold_start_share:.2%}" if result.platform == "lambda" else ""
    ax.set_title(f"{NAMES[result.platform]}: {result.rejected_share:.1%} {word}{extra}", fontsize="medium")
    handles = ax.get_legend_handles_labels()[0] + lost.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize="small", loc="upper right")


def plot_responses(results: Sequence[ScalingResult]) -> Figure:
    """Simulation results already run, one panel each, sharing the time axis."""
    fig = Figure(figsize=(8, 2.8 * len(results)), layout="constrained")
    axes = fig.subplots(len(results), 1, sharex=True, squeeze=False)[:, 0]
    for ax, result in zip(axes, results, strict=True):
        draw_spike_response(ax, result)
    return fig


def plot_spike_response(
    workload: Workload, platforms: Sequence[str] = PLATFORMS, limits: Limits | None = None
) -> Figure:
    """Each platform's response to the workload's traffic, one panel per platform."""
    return plot_responses([simulate(workload, platform, limits) for platform in platforms])


def plot_memory_sweep(
    points: Sequence[SweepPoint],
    measured: Sequence[tuple[int, float]] = (),
    mark: int | None = None,
    limits: Limits | None = None,
) -> Figure:
    """Duration and cost per million invocations against memory size, as a power-tuning report draws them.

    `measured` adds (memory MB, seconds) points taken in the sandbox; `mark` draws a line at one size.
    """
    limits = limits or Limits.from_facts()
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    sizes = [p.memory_mb for p in points]
    left.plot(sizes, [p.seconds for p in points], "o-", label="model", gid="sweep-seconds")
    if measured:
        left.plot(*zip(*measured, strict=True), "s--", color="tab:green", label="measured", gid="measured")
    left.set(yscale="log", ylabel="duration, s")
    left.yaxis.set_major_formatter(ScalarFormatter())
    left.yaxis.set_minor_formatter(NullFormatter())
    right.plot(sizes, [p.cost * 1e6 for p in points], "o-", color="tab:red", gid="sweep-cost")
    right.set(ylabel="USD per million invocations")
    for ax in (left, right):
        ax.set(xscale="log", xlabel="memory, MB")
        ax.axvline(limits.memory_per_vcpu_mb, color="grey", linestyle=":", label="one vCPU", gid="one-vcpu")
        if mark is not None:
            ax.axvline(mark, color="black", linewidth=1, gid="mark")
    left.legend(fontsize="small")
    return fig
