"""What a service is asked to do: a request rate over time and what each request costs to serve."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from lambda_course.model.prices import Prices
from localaws.facts import value


@dataclass(frozen=True)
class RateSeries:
    """Requests per second, one value per step of `step_s` seconds; taken as representative of the month."""

    rps: tuple[float, ...]
    step_s: float

    def __post_init__(self) -> None:
        if not self.rps or self.step_s <= 0 or min(self.rps) < 0:
            raise ValueError("a rate series needs at least one non-negative rate and a positive step")

    @property
    def values(self) -> np.ndarray:
        """The rates as an array."""
        return np.asarray(self.rps, dtype=float)

    @property
    def times(self) -> np.ndarray:
        """The start time of each step in seconds."""
        return np.arange(len(self.rps)) * self.step_s

    @property
    def mean(self) -> float:
        """The average rate over the series."""
        return float(self.values.mean())

    @property
    def peak(self) -> float:
        """The highest rate in the series."""
        return float(self.values.max())

    def scaled(self, factor: float) -> RateSeries:
        """The same shape with every rate multiplied by `factor`."""
        return RateSeries(tuple(float(r) * factor for r in self.rps), self.step_s)


def steady(rps: float, step_s: float = 3600) -> RateSeries:
    """A constant rate."""
    return RateSeries((float(rps),), step_s)


def diurnal(peak_rps: float, trough_rps: float, step_s: float = 60, peak_hour: float = 14) -> RateSeries:
    """A day whose rate follows a cosine from `trough_rps` at night to `peak_rps` at `peak_hour`."""
    hours = np.arange(0, 24 * 3600, step_s) / 3600
    wave = (1 + np.cos(2 * np.pi * (hours - peak_hour) / 24)) / 2
    return RateSeries(tuple(trough_rps + (peak_rps - trough_rps) * wave), step_s)


def spike(
    base_rps: float,
    peak_rps: float,
    at_s: float = 60,
    length_s: float = 300,
    total_s: float = 900,
    step_s: float = 1,
) -> RateSeries:
    """A steady `base_rps` that jumps to `peak_rps` at `at_s` for `length_s` seconds."""
    times = np.arange(0, total_s, step_s)
    in_spike = (times >= at_s) & (times < at_s + length_s)
    return RateSeries(tuple(np.where(in_spike, peak_rps, base_rps).astype(float)), step_s)


def series(rps: list[float] | np.ndarray, step_s: float) -> RateSeries:
    """A measured or hand-made series of rates."""
    return RateSeries(tuple(float(r) for r in rps), step_s)


def per_month(requests: float, prices: Prices | None = None) -> RateSeries:
    """The steady rate that carries `requests` in one billing month."""
    prices = prices or Prices.from_facts()
    return steady(requests / prices.seconds_per_month)


def concurrency(rate_rps: ArrayLike, duration_s: ArrayLike) -> np.ndarray | float:
    """Little's law: requests in flight equal the arrival rate times the time each request takes."""
    rate, duration = np.asarray(rate_rps, dtype=float), np.asarray(duration_s, dtype=float)
    if (rate < 0).any() or (duration < 0).any():
        raise ValueError("rate and duration must not be negative")
    in_flight = rate * duration
    return float(in_flight) if in_flight.ndim == 0 else in_flight


@dataclass(frozen=True)
class Workload:
    """A request-serving workload and how each platform would be sized for it.

    Lambda reads duration, memory, architecture and ephemeral storage (by default the size every function
    gets, `tmp_min_mb`); Fargate and EKS read the task size, how many requests one task serves at once, the
    minimum kept running and the utilisation autoscaling aims for; EKS also the node instance type and minimum
    node count. `api` puts API Gateway ('http' or 'rest') in front of every platform, or nothing when None.
    """

    rate: RateSeries
    duration_ms: float = 100
    memory_mb: int = 512
    payload_kb: float = 1
    architecture: str = "x86_64"
    ephemeral_mb: int = field(default_factory=lambda: value("tmp_min_mb"))
    api: str | None = "http"
    task_vcpu: float = 0.5
    task_gb: float = 1.0
    per_task_concurrency: int = 10
    min_tasks: int = 2
    target_utilization: float = 0.7
    instance_type: str = "m6i.large"
    min_nodes: int = 2

    def __post_init__(self) -> None:
        if self.duration_ms <= 0 or self.per_task_concurrency < 1 or not 0 < self.target_utilization <= 1:
            raise ValueError("duration, per-task concurrency and target utilisation must be positive")
        if self.api not in (None, "http", "rest"):
            raise ValueError(f"api must be 'http', 'rest' or None, not {self.api!r}")

    @property
    def concurrency(self) -> np.ndarray:
        """Requests in flight at each step, by Little's law: rate times duration."""
        return np.atleast_1d(concurrency(self.rate.values, self.duration_ms / 1000))

    def with_(self, **changes: Any) -> Workload:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def at_mean_rate(self, rps: float) -> Workload:
        """The same traffic shape scaled so that its average rate is `rps`."""
        mean = self.rate.mean
        if mean == 0:
            return self.with_(rate=RateSeries(tuple(float(rps) for _ in self.rate.rps), self.rate.step_s))
        return self.with_(rate=self.rate.scaled(rps / mean))
