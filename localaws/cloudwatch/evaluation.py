"""One evaluation of a metric alarm: its last EvaluationPeriods data points against the threshold, in AWS's words.

The rules of https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html and
alarms-and-missing-data.html: a data point breaches when the statistic compared with the threshold by
ComparisonOperator is true; the alarm goes to ALARM when at least DatapointsToAlarm of the last EvaluationPeriods
periods breach. Missing periods count as breaching (`breaching`) or not (`notBreaching`); with `missing` (the
default) and `ignore` they are left out, and when every period is missing the alarm goes to INSUFFICIENT_DATA
(`missing`) or keeps its state (`ignore`). Otherwise it is OK. (CloudWatch may also look back past the range when
points are missing; the sandbox does not.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
OPERATORS = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}


@dataclass(frozen=True)
class Point:
    """One period's data point: its start (seconds since the epoch), and its value or None when missing."""

    start: float
    value: float | None
    samples: float = 0.0


@dataclass(frozen=True)
class Rule:
    """What an alarm compares: the fields of PutMetricAlarm that evaluation reads."""

    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    operator: str
    treat_missing: str = "missing"


@dataclass(frozen=True)
class Verdict:
    """The state an evaluation reaches, with the StateReason and StateReasonData CloudWatch would give."""

    state: str | None  # None: keep the current state (TreatMissingData=ignore with every point missing)
    reason: str
    reason_data: str


def _stamp(when: float) -> str:
    """CloudWatch's timestamps in alarm data: 2023-08-04T12:30:00.000+0000."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(when * 1000) % 1000:03d}+0000"


def _short(point: Point) -> str:
    """A data point as StateReason lists it: 2.0 (07/12/26 14:03:00)."""
    return f"{float(point.value or 0.0)!r} ({datetime.fromtimestamp(point.start, UTC).strftime('%d/%m/%y %H:%M:%S')})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def evaluate(rule: Rule, points: list[Point], now: float) -> Verdict:
    """The state the alarm should be in, given its last periods (newest first) at clock time `now`."""
    words, breaches = OPERATORS[rule.operator]
    present = [p for p in points if p.value is not None]
    missing = len(points) - len(present)
    breaching = sum(1 for p in present if breaches(p.value, rule.threshold))
    if rule.treat_missing == "breaching":
        breaching += missing
    data = _reason_data(rule, points, now)
    if breaching >= rule.datapoints_to_alarm:
        return Verdict(ALARM, _threshold_reason(rule, present, breaching, missing, words, ALARM), data)
    if not present and rule.treat_missing in ("missing", "ignore"):
        if rule.treat_missing == "ignore":
            return Verdict(None, "", data)
        return Verdict(INSUFFICIENT, f"Insufficient Data: {_plural(missing, 'datapoint')} {_was(missing)} unknown.",
                       data)
    return Verdict(OK, _threshold_reason(rule, present, len(present) - breaching, missing, words, OK), data)


def _threshold_reason(rule: Rule, present: list[Point], count: int, missing: int, words: str, state: str) -> str:
    """StateReason of a threshold crossing (either way)."""
    if not present:
        treated = "Breaching" if rule.treat_missing == "breaching" else "NonBreaching"
        return (f"Threshold Crossed: no datapoints were received for {_plural(missing, 'period')} and "
                f"{_plural(missing, 'missing datapoint')} {_was(missing)} treated as [{treated}].")
    negation = "" if state == ALARM else "not "
    listed = ", ".join(_short(p) for p in present)
    if rule.evaluation_periods == 1:
        return f"Threshold Crossed: 1 datapoint [{listed}] was {negation}{words} the threshold ({rule.threshold!r})."
    transition = "OK -> ALARM" if state == ALARM else "ALARM -> OK"
    needed = rule.datapoints_to_alarm if state == ALARM else rule.evaluation_periods - rule.datapoints_to_alarm + 1
    return (f"Threshold Crossed: {count} out of the last {len(present)} datapoints [{listed}] {_was(count)} "
            f"{negation}{words} the threshold ({rule.threshold!r}) (minimum {_plural(needed, 'datapoint')} for "
            f"{transition} transition).")


def _reason_data(rule: Rule, points: list[Point], now: float) -> str:
    """StateReasonData: the JSON CloudWatch attaches to a state, with the data points it evaluated."""
    evaluated = []
    for point in points:
        entry: dict[str, object] = {"timestamp": _stamp(point.start)}
        if point.value is not None:
            entry.update(sampleCount=point.samples, value=float(point.value))
        evaluated.append(entry)
    start = min((p.start for p in points), default=now)
    return json.dumps({
        "version": "1.0", "queryDate": _stamp(now), "startDate": _stamp(start), "statistic": rule.statistic,
        "period": rule.period, "recentDatapoints": [float(p.value) for p in reversed(points) if p.value is not None],
        "threshold": rule.threshold, "evaluatedDatapoints": evaluated,
    }, separators=(",", ":"))
