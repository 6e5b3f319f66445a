"""Where the sandbox's CloudWatch changes moto's: reads, alarm state and history. Every seam is in localaws.seams.

- Reads (GetMetricData, GetMetricStatistics, ListMetrics) first write the data the recorder has gathered, and
  the two statistics calls match dimensions exactly, as CloudWatch does (localaws.cloudwatch.statistics).
- PutMetricAlarm: a new alarm starts in INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); an update keeps
  the state, as https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html says.
- A state change (from evaluation or SetAlarmState) goes through one function that keeps the history and runs
  the actions; DescribeAlarmHistory, which moto lacks, reads that history.
Times are on the sandbox clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.metric_data_expression_parser import parse_expression
from moto.cloudwatch.models import Statistics
from moto.core.responses import ActionResult

from localaws import seams
from localaws.cloudwatch import history
from localaws.cloudwatch.statistics import MetricQuery, buckets

_BACKEND = "moto.cloudwatch.models:CloudWatchBackend"
READ = f"{_BACKEND}.get_all_metrics"
STATISTICS = f"{_BACKEND}.get_metric_statistics"
DATA = f"{_BACKEND}.get_metric_data"
PUT_ALARM = f"{_BACKEND}.put_metric_alarm"
UPDATE_STATE = "moto.cloudwatch.models:Alarm.update_state"
HISTORY = "moto.cloudwatch.responses:CloudWatchResponse.describe_alarm_history"
SAME_DIMENSIONS = "moto.cloudwatch.models:are_dimensions_same"
TARGETS = (READ, STATISTICS, DATA, PUT_ALARM, UPDATE_STATE, HISTORY, SAME_DIMENSIONS)


class Hooks:
    """What the patched methods call back into: the running sandbox's CloudWatch (see monitor.py)."""

    def before_read(self, account: str, region: str) -> None:
        """Write what was gathered for this account and region."""

    def now(self) -> float:
        """The sandbox clock."""
        return datetime.now(UTC).timestamp()

    def changed(self, alarm: Any, old: dict[str, str]) -> None:
        """An alarm changed state (its history is already kept): run its actions."""


_hooks = Hooks()


def naive(when: float) -> datetime:
    """A clock time as moto keeps times: a naive datetime in UTC."""
    return datetime.fromtimestamp(when, UTC).replace(tzinfo=None)


def _whole_minute(moment: datetime) -> datetime:
    """A query's start time rounded down to the minute, as CloudWatch rounds a recent one, so periods align."""
    return moment.replace(second=0, microsecond=0)


def _get_all_metrics(self: Any) -> list[Any]:
    _hooks.before_read(self.account_id, self.region_name)
    return list(seams.original(READ)(self))


def _get_metric_statistics(self: Any, namespace: str, metric_name: str, start_time: datetime, end_time: datetime,
                           period: int, stats: list[str], dimensions: list[dict[str, str]],
                           unit: str | None = None) -> list[Statistics]:
    start, end = _whole_minute(start_time), end_time.replace(microsecond=0)
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    query = MetricQuery.of(namespace, metric_name, dimensions, unit)
    found = []
    for bucket in buckets(self.get_all_metrics(), query, start, end, int(period)):
        statistics = Statistics(stats, bucket.start, bucket.unit)
        statistics.metric_data = bucket.data
        found.append(statistics)
    return found


def _stat_result(query: dict[str, Any], start: datetime, end: datetime, data: list[Any]) -> dict:
    """One MetricStat query of GetMetricData, with exact dimensions and its namespace."""
    stat = query["MetricStat"]
    metric = stat["Metric"]
    wanted = MetricQuery.of(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", []), stat.get("Unit"))
    values, stamps = [], []
    for bucket in buckets(data, wanted, start, end, int(stat["Period"])):
        figure = bucket.statistic(stat["Stat"])
        if figure is not None:
            values.append(figure)
            stamps.append(bucket.start)
    label = query.get("Label") or f"{metric['MetricName']} {stat['Stat']}"
    return {"id": query["Id"], "label": label, "values": values, "timestamps": stamps, "status_code": "Complete"}


def _get_metric_data(self: Any, queries: list[dict[str, Any]], start_time: datetime, end_time: datetime,
                     scan_by: str = "TimestampAscending") -> list[dict[str, Any]]:
    original = seams.original(DATA)
    stat_queries = [q for q in queries if "MetricStat" in q]
    original(self, [], start_time, end_time, scan_by)  # moto's checks of the time range
    start, end = _whole_minute(start_time), end_time.replace(microsecond=0)
    data = self.get_all_metrics()
    results = [_stat_result(q, start, end, data) for q in stat_queries]
    if scan_by == "TimestampDescending":
        for result in results:
            result["values"].reverse()
            result["timestamps"].reverse()
    returned = [r for q, r in zip(stat_queries, results, strict=True) if q.get("ReturnData", True)]
    for query in queries:
        expression = query.get("Expression", "")
        if expression and not expression.startswith("SELECT"):
            values, stamps = parse_expression(expression, results)
            returned.append({"id": query["Id"], "label": query.get("Label") or query["Id"], "values": values,
                             "timestamps": stamps, "status_code": "Complete"})
    insights = [q for q in queries if q.get("Expression", "").startswith("SELECT")]
    return returned + (original(self, insights, start_time, end_time, scan_by) if insights else [])


def _put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
    name = str(kwargs.get("name", args[0] if args else ""))
    previous = self.alarms.get(name)
    alarm = seams.original(PUT_ALARM)(self, *args, **kwargs)
    now = _hooks.now()
    alarm.configuration_updated_timestamp = naive(now)
    if previous is None:
        alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
        alarm.state_updated_timestamp = naive(now)
        summary, kind = f'Alarm "{name}" created', "Create"
    else:
        for field in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp"):
            setattr(alarm, field, getattr(previous, field))
        summary, kind = f'Alarm "{name}" updated', "Update"
    data = json.dumps({"type": kind, "version": "1.0", "alarmName": name})
    history.add(self.account_id, self.region_name, name, history.CONFIGURATION, summary, data, now)
    return alarm


def _update_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
    """Every state change: history (with the old and new state), the sandbox clock's time, then the actions."""
    now = _hooks.now()
    old = {"value": self.state_value, "reason": self.state_reason, "reasonData": self.state_reason_data,
           "timestamp": _stamp(self.state_updated_timestamp)}
    self.state_reason, self.state_reason_data, self.state_value = reason, reason_data, state_value
    self.state_updated_timestamp = naive(now)
    if old["value"] == state_value:
        return
    data = {"version": "1.0",
            "oldState": {"stateValue": old["value"], "stateReason": old["reason"]},
            "newState": {"stateValue": state_value, "stateReason": reason,
                         "stateReasonData": json.loads(reason_data or "{}")}}
    account = self.alarm_arn.split(":")[4]
    history.add(account, self.region_name, self.name, history.STATE,
                f"Alarm updated from {old['value']} to {state_value}", json.dumps(data), now)
    _hooks.changed(self, old)


def _stamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}+0000"


def _describe_alarm_history(self: Any) -> ActionResult:
    """DescribeAlarmHistory: the kept items, newest first unless ScanBy says otherwise, up to MaxRecords."""
    newest_first = (self._get_param("ScanBy") or "TimestampDescending") != "TimestampAscending"
    found = history.items(self.current_account, self.region, self._get_param("AlarmName"),
                          self._get_param("HistoryItemType"), self._get_param("StartDate"),
                          self._get_param("EndDate"), newest_first)
    limit = self._get_int_param("MaxRecords")
    return ActionResult({"AlarmHistoryItems": found[:limit] if limit else found})


def _are_dimensions_same(metric_dimensions: list[Any], dimensions: list[Any]) -> bool:
    """moto's are_dimensions_same: whether two metrics have the same dimensions, in any order.

    moto's own compares every dimension with every other, so two metrics of two or more dimensions never match and
    ListMetrics lists such a metric once per batch of data points; CloudWatch lists each metric once
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html).
    """
    def pairs(found: list[Any]) -> set[tuple[str, str]]:
        return {(dimension.name, dimension.value) for dimension in found}

    return len(metric_dimensions) == len(dimensions) and pairs(metric_dimensions) == pairs(dimensions)


_REPLACEMENTS: dict[str, Callable[..., Any]] = {
    READ: _get_all_metrics, STATISTICS: _get_metric_statistics, DATA: _get_metric_data,
    PUT_ALARM: _put_metric_alarm, UPDATE_STATE: _update_state, HISTORY: _describe_alarm_history,
    SAME_DIMENSIONS: _are_dimensions_same,
}


def install(hooks: Hooks) -> None:
    """Patch moto's CloudWatch (once) and have it call `hooks` (the running sandbox's CloudWatch)."""
    global _hooks
    _hooks = hooks
    if seams.is_patched(READ):
        return
    for target, replacement in _REPLACEMENTS.items():
        seams.patch(target, replacement)


def uninstall() -> None:
    """Give moto back its own CloudWatch."""
    global _hooks
    _hooks = Hooks()
    for target in TARGETS:
        seams.restore(target)
