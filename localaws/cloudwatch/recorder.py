"""Metric data points gathered in memory and written to moto's CloudWatch in batches, one datum per minute and key.

Recording is a dictionary update (no call into moto on an invocation's path); `flush()` writes what was gathered
as statistic sets (Sum, Minimum, Maximum, SampleCount), which is what PutMetricData accepts for data already
aggregated, and what the service itself keeps per minute. Timestamps are on the sandbox clock, cut to the minute.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from localaws.facts import value

Dimensions = tuple[tuple[str, str], ...]  # (name, value) pairs, sorted by name


@dataclass
class _Aggregate:
    """A statistic set: what CloudWatch keeps of many values in one period."""

    total: float
    low: float
    high: float
    count: int

    def add(self, number: float) -> None:
        self.total += number
        self.low, self.high = min(self.low, number), max(self.high, number)
        self.count += 1


@dataclass(frozen=True)
class Key:
    """Which metric a value belongs to, and in which minute."""

    account: str
    region: str
    namespace: str
    name: str
    dimensions: Dimensions
    minute: int  # seconds since the epoch, a whole minute
    unit: str | None


def dimensions(**pairs: str) -> Dimensions:
    """A dimension set from keyword pairs, in CloudWatch's order (by name)."""
    return tuple(sorted(pairs.items()))


def minute_of(when: float) -> int:
    """The start of the minute (one CloudWatch period of Lambda's metrics) that holds `when`."""
    period = int(value("lambda_metrics_period_s"))
    return int(when // period * period)


class MetricRecorder:
    """Gathers data points and writes them to moto's CloudWatch when flushed."""

    def __init__(self) -> None:
        self._pending: dict[Key, _Aggregate] = {}
        self._lock = threading.Lock()

    def add(self, account: str, region: str, namespace: str, name: str, number: float,
            sets: list[Dimensions], when: float, unit: str | None = None) -> None:
        """Record one value of a metric under each of its dimension sets, at clock time `when`."""
        minute = minute_of(when)
        with self._lock:
            for dims in sets:
                key = Key(account, region, namespace, name, dims, minute, unit)
                found = self._pending.get(key)
                if found is None:
                    self._pending[key] = _Aggregate(number, number, number, 1)
                else:
                    found.add(number)

    def pending(self) -> int:
        """How many (metric, minute) statistic sets wait to be written."""
        with self._lock:
            return len(self._pending)

    def clear(self) -> None:
        """Forget what was not written yet (the sandbox is being reset)."""
        with self._lock:
            self._pending.clear()

    def flush(self, account: str | None = None, region: str | None = None) -> int:
        """Write what was gathered (for one account and region, or all) to moto; returns how many data."""
        with self._lock:
            keys = [key for key in self._pending if account in (None, key.account) and region in (None, key.region)]
            taken = {key: self._pending.pop(key) for key in keys}
        batches: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for key, stats in taken.items():
            batches.setdefault((key.account, key.region, key.namespace), []).append(_datum(key, stats))
        for (acct, reg, namespace), data in batches.items():
            cloudwatch_backends[acct][reg].put_metric_data(namespace, data)
        return len(taken)


def _datum(key: Key, stats: _Aggregate) -> dict[str, Any]:
    """One MetricDatum with a statistic set, as PutMetricData takes it."""
    datum: dict[str, Any] = {
        "MetricName": key.name,
        "Dimensions": [{"Name": name, "Value": text} for name, text in key.dimensions],
        "Timestamp": datetime.fromtimestamp(key.minute, UTC).replace(tzinfo=None),  # moto keeps naive UTC
        "StatisticValues": {"Sum": stats.total, "Minimum": stats.low, "Maximum": stats.high,
                            "SampleCount": float(stats.count)},
    }
    if key.unit:
        datum["Unit"] = key.unit
    return datum
