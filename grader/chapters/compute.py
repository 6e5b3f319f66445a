"""Small formulas the chapters teach: CPU share from memory, duration, cost, and Little's law."""

from __future__ import annotations

import math
from dataclasses import dataclass

from grader.facts import value


def cpu_share(memory_mb: float) -> float:
    """vCPUs a function gets at this memory size: proportional to memory, capped at the top size's share."""
    _check_memory(memory_mb)
    return min(memory_mb / value("memory_per_vcpu_mb"), value("max_vcpus"))


def run_seconds(memory_mb: float, cpu_seconds: float, wait_seconds: float = 0.0, threads: int = 1) -> float:
    """Wall time of work needing `cpu_seconds` of one full vCPU plus `wait_seconds` of I/O, at this memory.

    A single thread can use at most one vCPU, so memory beyond one vCPU's worth only helps parallel code.
    """
    usable = min(cpu_share(memory_mb), threads)
    return cpu_seconds / usable + wait_seconds


def invocation_cost(memory_mb: float, seconds: float, arch: str = "x86") -> float:
    """USD for one invocation: the request charge plus memory (GB) times duration, before the free tier."""
    price = value("price_gb_second_arm" if arch == "arm" else "price_gb_second_x86")
    return value("price_requests_per_million") / 1e6 + memory_mb / 1024 * seconds * price


def monthly_cost(requests: float, memory_mb: float, seconds: float, free_tier: bool = True) -> float:
    """USD per month for `requests` invocations of this size and duration, with the free tier if asked."""
    gb_seconds = requests * memory_mb / 1024 * seconds
    billable_requests = requests
    if free_tier:
        gb_seconds = max(0.0, gb_seconds - value("free_tier_gb_seconds"))
        billable_requests = max(0.0, requests - value("free_tier_requests"))
    request_cost = billable_requests / 1e6 * value("price_requests_per_million")
    return request_cost + gb_seconds * value("price_gb_second_x86")


def concurrency(requests_per_second: float, seconds_per_request: float) -> float:
    """Little's law: requests in flight equal arrival rate times time in the system."""
    if requests_per_second < 0 or seconds_per_request < 0:
        raise ValueError("rate and duration must not be negative")
    return requests_per_second * seconds_per_request


@dataclass(frozen=True)
class SweepPoint:
    """One memory size in a power-tuning sweep: how fast and how costly the work is there."""

    memory_mb: int
    seconds: float
    cost: float


def memory_sweep(sizes: list[int], cpu_seconds: float, wait_seconds: float = 0.0) -> list[SweepPoint]:
    """Model duration and cost per invocation at each memory size, as a power-tuning run would measure."""
    points = []
    for size in sizes:
        seconds = run_seconds(size, cpu_seconds, wait_seconds)
        points.append(SweepPoint(size, seconds, invocation_cost(size, seconds)))
    return points


def cheapest(points: list[SweepPoint]) -> SweepPoint:
    """The sweep point with the lowest cost per invocation (the smaller size wins a tie)."""
    return min(points, key=lambda p: (round(p.cost, 15), p.memory_mb))


def standard_sizes(count: int = 8) -> list[int]:
    """Memory sizes from the smallest allowed to the largest, spaced evenly on a log scale."""
    low, high = value("memory_min_mb"), value("memory_max_mb")
    return sorted({round(low * (high / low) ** (i / (count - 1))) for i in range(count)})


def _check_memory(memory_mb: float) -> None:
    low, high = value("memory_min_mb"), value("memory_max_mb")
    if not low <= memory_mb <= high or math.isnan(memory_mb):
        raise ValueError(f"memory must be between {low} and {high} MB, got {memory_mb}")
