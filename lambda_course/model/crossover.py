"""Where Lambda stops being the cheaper choice: the load at which its bill meets a container platform's."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lambda_course.model.costs import monthly_cost
from lambda_course.model.prices import Limits, Prices
from lambda_course.model.workload import Workload

LOW_RPS, HIGH_RPS = 1e-3, 1e5


def cost_curve(
    workload: Workload,
    rates: Iterable[float],
    platforms: Iterable[str] = ("lambda", "fargate", "eks"),
    prices: Prices | None = None,
    limits: Limits | None = None,
) -> dict[str, np.ndarray]:
    """Monthly totals per platform as the workload's traffic shape is scaled to each average rate."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    rates = list(rates)
    return {
        platform: np.array(
            [monthly_cost(workload.at_mean_rate(r), platform, prices, limits).total for r in rates]
        )
        for platform in platforms
    }


def _gap(workload: Workload, rps: float, against: str, prices: Prices, limits: Limits) -> float:
    """Lambda's bill minus the other platform's at an average rate of `rps`."""
    scaled = workload.at_mean_rate(rps)
    return (
        monthly_cost(scaled, "lambda", prices, limits).total
        - monthly_cost(scaled, against, prices, limits).total
    )


def crossover_rate(
    workload: Workload,
    against: str = "fargate",
    prices: Prices | None = None,
    limits: Limits | None = None,
    low: float = LOW_RPS,
    high: float = HIGH_RPS,
) -> float | None:
    """The lowest average request rate (per second) at which Lambda costs as much as `against`, or None.

    Scans a logarithmic grid for the first rate where Lambda is no cheaper, then bisects between that point
    and the one before it; container bills are step functions, so only the first crossing is reported.
    """
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    grid = np.geomspace(low, high, 241)
    gaps = np.array([_gap(workload, r, against, prices, limits) for r in grid])
    above = np.flatnonzero(gaps >= 0)
    if above.size == 0:
        return None
    if above[0] == 0:
        return float(grid[0])
    lo, hi = float(grid[above[0] - 1]), float(grid[above[0]])
    for _ in range(60):
        mid = float(np.sqrt(lo * hi))
        if _gap(workload, mid, against, prices, limits) >= 0:
            hi = mid
        else:
            lo = mid
    return hi


def crossovers(
    workload: Workload, prices: Prices | None = None, limits: Limits | None = None
) -> dict[str, float | None]:
    """Lambda's crossover rate against Fargate and against EKS."""
    return {other: crossover_rate(workload, other, prices, limits) for other in ("fargate", "eks")}
