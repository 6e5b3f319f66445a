"""Lambda's one performance dial: how memory sets CPU share, speed and cost per invocation.

CPU is allocated in proportion to memory, one vCPU at `memory_per_vcpu_mb`, up to `max_vcpus` at the largest
size. A single thread cannot use more than one vCPU, so memory beyond that only speeds up parallel code.
`memory_sweep` models what a power-tuning run measures: duration and cost at each of several sizes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lambda_course.model.costs import invocation_cost
from lambda_course.model.prices import Limits, Prices


def cpu_share(memory_mb: float, limits: Limits | None = None) -> float:
    """vCPUs a function gets at this memory size: proportional to memory, capped at the top size's share."""
    limits = limits or Limits.from_facts()
    limits.check_memory(memory_mb)
    return min(memory_mb / limits.memory_per_vcpu_mb, limits.max_vcpus)


def run_seconds(
    memory_mb: float,
    cpu_seconds: float,
    wait_seconds: float = 0.0,
    threads: int = 1,
    limits: Limits | None = None,
) -> float:
    """Wall time of work needing `cpu_seconds` of one full vCPU plus `wait_seconds` of waiting."""
    usable = min(cpu_share(memory_mb, limits), threads)
    return cpu_seconds / usable + wait_seconds


@dataclass(frozen=True)
class SweepPoint:
    """One memory size in a power-tuning sweep: how long the work takes and what one invocation costs."""

    memory_mb: int
    seconds: float
    cost: float


def memory_sweep(
    sizes: Iterable[int],
    cpu_seconds: float,
    wait_seconds: float = 0.0,
    architecture: str = "x86_64",
    prices: Prices | None = None,
    limits: Limits | None = None,
) -> list[SweepPoint]:
    """Modelled duration and cost per invocation at each memory size, as a power-tuning run would report."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    points = []
    for size in sizes:
        seconds = run_seconds(size, cpu_seconds, wait_seconds, limits=limits)
        cost = invocation_cost(size, seconds * 1000, architecture, prices, limits)
        points.append(SweepPoint(size, seconds, cost))
    return points


def cheapest(points: Iterable[SweepPoint]) -> SweepPoint:
    """The sweep point with the lowest cost per invocation; the smaller size wins a tie."""
    return min(points, key=lambda p: (round(p.cost, 15), p.memory_mb))


def standard_sizes(count: int = 8, limits: Limits | None = None) -> list[int]:
    """`count` memory sizes from the smallest allowed to the largest, evenly spaced on a log scale."""
    limits = limits or Limits.from_facts()
    low, high = limits.memory_min_mb, limits.memory_max_mb
    return sorted({round(low * (high / low) ** (i / (count - 1))) for i in range(count)})
