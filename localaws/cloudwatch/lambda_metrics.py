"""Lambda's own metrics in the AWS/Lambda namespace, counted where the runtime reports each event.

As https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html describes them: Invocations (every
run, successful or not; never a throttle), Errors (1 for a function error, 0 otherwise: a binary indicator),
Throttles, Duration, ConcurrentExecutions (Maximum), the asynchronous queue's AsyncEventsReceived, AsyncEventAge
and AsyncEventsDropped, DeadLetterErrors and DestinationDeliveryFailures, and IteratorAge for stream mappings.
Each value goes under the dimension sets Lambda uses (monitoring-metrics-view.html): none (all functions),
FunctionName, FunctionName with Resource for a version or alias ("name:alias"), and with ExecutedVersion too
for an alias. Timestamps are the sandbox clock's, at the time the function was invoked.
"""

from __future__ import annotations

from typing import Any

from localaws.cloudwatch.recorder import Dimensions, MetricRecorder, dimensions
from localaws.runtime.observer import Concurrency, InvocationObserver

NAMESPACE = "AWS/Lambda"
COUNT, MILLISECONDS = "Count", "Milliseconds"


def _qualifier(invoked_arn: str) -> str | None:
    """The version or alias an ARN names (arn:aws:lambda:region:account:function:name:qualifier), or None."""
    parts = invoked_arn.split(":")
    return parts[7] if len(parts) > 7 and parts[7] else None


def dimension_sets(fn: Any, invoked_arn: str, everything: bool = True) -> list[Dimensions]:
    """The dimension sets one value is published under; `everything` adds the account-wide one (no dimension)."""
    name = str(fn.function_name)
    sets = [dimensions(), dimensions(FunctionName=name)] if everything else [dimensions(FunctionName=name)]
    qualifier = _qualifier(invoked_arn)
    if qualifier is not None:
        resource = f"{name}:{qualifier}"
        sets.append(dimensions(FunctionName=name, Resource=resource))
        if qualifier != "$LATEST" and not qualifier.isdigit():  # an alias: which version ran
            sets.append(dimensions(FunctionName=name, Resource=resource, ExecutedVersion=str(fn.version)))
    return sets


class LambdaMetrics(InvocationObserver):
    """Turns the runtime's reports into AWS/Lambda data points in a MetricRecorder."""

    def __init__(self, recorder: MetricRecorder) -> None:
        self.recorder = recorder

    def _add(self, fn: Any, name: str, number: float, sets: list[Dimensions], when: float, unit: str) -> None:
        self.recorder.add(str(fn.account_id), str(fn.region), NAMESPACE, name, number, sets, when, unit)

    def invoked(self, fn: Any, invoked_arn: str, outcome: Any, started_at: float, concurrency: Concurrency) -> None:
        """Invocations, Errors, Duration and ConcurrentExecutions of one run."""
        sets = dimension_sets(fn, invoked_arn)
        self._add(fn, "Invocations", 1, sets, started_at, COUNT)
        self._add(fn, "Errors", 1 if outcome.function_error else 0, sets, started_at, COUNT)
        self._add(fn, "Duration", float(outcome.report.duration_ms), sets, started_at, MILLISECONDS)
        self._add(fn, "ConcurrentExecutions", concurrency.function, sets[1:], started_at, COUNT)
        self._add(fn, "ConcurrentExecutions", concurrency.account, sets[:1], started_at, COUNT)

    def throttled(self, fn: Any, invoked_arn: str, when: float) -> None:
        self._add(fn, "Throttles", 1, dimension_sets(fn, invoked_arn), when, COUNT)

    def async_received(self, fn: Any, invoked_arn: str, when: float) -> None:
        self._add(fn, "AsyncEventsReceived", 1, dimension_sets(fn, invoked_arn), when, COUNT)

    def async_attempted(self, fn: Any, invoked_arn: str, age_s: float, when: float) -> None:
        self._add(fn, "AsyncEventAge", max(0.0, age_s) * 1000, dimension_sets(fn, invoked_arn), when, MILLISECONDS)

    def async_dropped(self, fn: Any, invoked_arn: str, when: float) -> None:
        self._add(fn, "AsyncEventsDropped", 1, dimension_sets(fn, invoked_arn), when, COUNT)

    def delivery_failed(self, fn: Any, invoked_arn: str, dead_letter: bool, when: float) -> None:
        name = "DeadLetterErrors" if dead_letter else "DestinationDeliveryFailures"
        self._add(fn, name, 1, dimension_sets(fn, invoked_arn), when, COUNT)

    def iterator_age(self, fn: Any, invoked_arn: str, age_ms: int, when: float) -> None:
        """IteratorAge of one stream batch: how old its last record was when the batch was sent."""
        self._add(fn, "IteratorAge", float(age_ms), dimension_sets(fn, invoked_arn), when, MILLISECONDS)
