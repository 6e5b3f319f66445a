"""Embedded metric format: log events that are EMF JSON become metrics, as CloudWatch Logs extracts them.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html:
the event is a JSON object whose `_aws` member holds `Timestamp` (milliseconds since the epoch) and
`CloudWatchMetrics`, a list of directives, each with a `Namespace`, `Dimensions` (a list of dimension sets, each a
list of member names) and `Metrics` (each a `Name`, optionally a `Unit`). The values are the root's members of
those names: a number or a list of numbers per metric, a string per dimension. Each metric is published once per
dimension set. A document that breaks these rules gives no metric (CloudWatch counts it as a validation error);
the sandbox logs why.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from localaws.facts import value

log = logging.getLogger(__name__)
UNITS = frozenset({
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
    "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
    "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None"})


class InvalidEmf(ValueError):
    """An event with `_aws` metadata that is not a valid EMF document: no metric comes of it."""


@dataclass(frozen=True)
class Extracted:
    """One metric's values under one dimension set, at the document's time."""

    namespace: str
    name: str
    values: tuple[float, ...]
    dimensions: tuple[tuple[str, str], ...]
    unit: str | None
    timestamp_ms: float


def looks_like_emf(message: str) -> bool:
    """A cheap first test, so that ordinary log lines cost no JSON parsing."""
    text = message.strip()
    return text.startswith("{") and '"_aws"' in text


def extract(message: str) -> list[Extracted]:
    """The metrics of one log event; [] for an event that is not EMF; InvalidEmf for a broken EMF document."""
    if not looks_like_emf(message):
        return []
    try:
        root = json.loads(message)
    except ValueError:
        return []  # not JSON at all: an ordinary log line that happens to mention _aws
    if not isinstance(root, dict) or "_aws" not in root:
        return []
    meta = root["_aws"]
    if not isinstance(meta, dict) or not isinstance(meta.get("CloudWatchMetrics"), list):
        raise InvalidEmf("_aws must be an object with a CloudWatchMetrics list")
    stamp = meta.get("Timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise InvalidEmf("_aws.Timestamp must be a number of milliseconds since the epoch")
    return [found for directive in meta["CloudWatchMetrics"] for found in _directive(root, directive, stamp)]


def _directive(root: dict[str, Any], directive: Any, stamp: float) -> list[Extracted]:
    if not isinstance(directive, dict):
        raise InvalidEmf("each CloudWatchMetrics entry must be an object")
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
        raise InvalidEmf("Namespace must be a string of 1 to 255 characters")
    sets = _dimension_sets(root, directive.get("Dimensions"))
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list) or len(metrics) > int(value("emf_metrics_per_directive_max")):
        raise InvalidEmf(f"Metrics must be a list of at most {int(value('emf_metrics_per_directive_max'))} "
                         "metric definitions")
    found = []
    for metric in metrics:
        name, unit = _definition(metric)
        numbers = _values(root, name)
        found += [Extracted(namespace, name, numbers, dims, unit, float(stamp)) for dims in sets]
    return found


def _dimension_sets(root: dict[str, Any], sets: Any) -> list[tuple[tuple[str, str], ...]]:
    if not isinstance(sets, list) or not all(isinstance(keys, list) for keys in sets):
        raise InvalidEmf("Dimensions must be a list of dimension sets, each a list of member names")
    limit = int(value("emf_dimensions_per_set_max"))
    result = []
    for keys in sets or [[]]:
        if len(keys) > limit:
            raise InvalidEmf(f"a dimension set holds at most {limit} dimensions")
        for key in keys:
            if not isinstance(key, str) or not isinstance(root.get(key), str):
                raise InvalidEmf(f"dimension {key!r} needs a string member of that name in the document")
        result.append(tuple(sorted((key, root[key]) for key in keys)))
    return result


def _definition(metric: Any) -> tuple[str, str | None]:
    if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str) or not metric["Name"]:
        raise InvalidEmf("each metric definition needs a Name")
    unit = metric.get("Unit")
    if unit is not None and unit not in UNITS:
        raise InvalidEmf(f"Unit {unit!r} of {metric['Name']} is not a CloudWatch unit")
    return metric["Name"], unit


def _values(root: dict[str, Any], name: str) -> tuple[float, ...]:
    found = root.get(name)
    numbers: list[Any] = found if isinstance(found, list) else [found]
    limit = int(value("emf_values_per_metric_max"))
    if not numbers or len(numbers) > limit or not all(_is_number(n) for n in numbers):
        raise InvalidEmf(f"metric {name!r} needs a number, or a list of 1 to {limit} numbers, in the document")
    return tuple(float(n) for n in numbers)


def _is_number(item: Any) -> bool:
    return isinstance(item, int | float) and not isinstance(item, bool)
