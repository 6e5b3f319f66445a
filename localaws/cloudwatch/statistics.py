"""Statistics of one metric over periods, as CloudWatch computes them: each dimension combination is its own metric.

moto matches a query's dimensions as a subset of a data point's (and, with none, takes every data point of the
name), which would add a function's per-alias data into its per-function sums. CloudWatch does not: "CloudWatch
treats each unique combination of dimensions as a separate metric"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html). Periods start
at the query's start time, so data points fall on period boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum


@dataclass(frozen=True)
class MetricQuery:
    """Which metric: namespace, name, the exact dimension set, and optionally the unit."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str | None = None

    @classmethod
    def of(cls, namespace: str, name: str, dims: Iterable[Any], unit: str | None = None) -> MetricQuery:
        """From dimensions as the API gives them ({"Name", "Value"} dicts) or as moto keeps them."""
        pairs = [(d["Name"], d["Value"]) if isinstance(d, dict) else (d.name, d.value) for d in dims]
        return cls(namespace, name, tuple(sorted(pairs)), unit)


def matches(datum: Any, query: MetricQuery) -> bool:
    """Whether a stored data point belongs to exactly the queried metric."""
    if datum.namespace != query.namespace or datum.name != query.name:
        return False
    if query.unit and datum.unit != query.unit:
        return False
    return tuple(sorted((d.name, d.value) for d in datum.dimensions)) == query.dimensions


@dataclass
class Bucket:
    """The data points of one period (moto's stored data), and their statistics."""

    start: datetime
    data: list[Any]
    unit: str | None = None

    def _values(self) -> list[float]:
        return [float(d.value) for d in self.data if isinstance(d, MetricDatum)]

    def _aggregates(self) -> list[Any]:
        return [d for d in self.data if isinstance(d, MetricAggregatedDatum)]

    def sample_count(self) -> float:
        return len(self._values()) + sum(float(a.sample_count) for a in self._aggregates())

    def total(self) -> float:
        return sum(self._values()) + sum(float(a.sum) for a in self._aggregates())

    def statistic(self, name: str) -> float | None:
        """One of CloudWatch's statistics (SampleCount, Average, Sum, Minimum, Maximum); None for others."""
        count = self.sample_count()
        if name == "SampleCount":
            return count
        if name == "Sum":
            return self.total()
        if name == "Average":
            return self.total() / count if count else None
        if name == "Minimum":
            return min([*self._values(), *(float(a.min) for a in self._aggregates())], default=None)
        if name == "Maximum":
            return max([*self._values(), *(float(a.max) for a in self._aggregates())], default=None)
        return None


def buckets(data: Iterable[Any], query: MetricQuery, start: datetime, end: datetime, period: int) -> list[Bucket]:
    """The periods in [start, end) that hold data of the metric, oldest first, each starting on a boundary."""
    found: dict[int, Bucket] = {}
    for datum in data:
        if not (start <= datum.timestamp < end) or not matches(datum, query):
            continue
        index = int((datum.timestamp - start).total_seconds() // period)
        bucket = found.setdefault(index, Bucket(start + timedelta(seconds=index * period), []))
        bucket.unit = datum.unit or bucket.unit
        bucket.data.append(datum)
    return [found[index] for index in sorted(found)]
