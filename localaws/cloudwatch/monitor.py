"""The sandbox's CloudWatch at work: gathers Lambda's and embedded metrics, and evaluates alarms on the clock.

Every clock tick writes the gathered data points to moto, and at each whole minute the clock passes (in real
time, or all at once when `sb.clock.advance(...)` moves it) every metric alarm is evaluated, as CloudWatch
evaluates them once a minute (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html).
A state change goes through moto's Alarm.update_state (patched: history, then actions).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from localaws.cloudwatch import emf, history, moto_patch
from localaws.cloudwatch.actions import ActionRunner
from localaws.cloudwatch.evaluation import OPERATORS, Point, Rule, evaluate
from localaws.cloudwatch.lambda_metrics import LambdaMetrics
from localaws.cloudwatch.recorder import MetricRecorder
from localaws.cloudwatch.statistics import MetricQuery, buckets, matches
from localaws.eventsources.streams.sources import stream_mappings
from localaws.facts import value
from localaws.runtime import logs
from localaws.runtime.observer import InvocationObserver

log = logging.getLogger(__name__)
MAX_EVALUATIONS_PER_TICK = 1440  # a day of minutes: a longer jump of the clock evaluates its last day only
_INVOKED = frozenset({"ok", "partial", "function_error", "invalid_response"})  # stream batches the function ran


class Monitoring(moto_patch.Hooks):
    """Lambda's metrics, embedded metrics from logs, and metric alarms, for one sandbox."""

    def __init__(self, runtime: Any, stream_poller: Any = None) -> None:
        self.runtime, self.clock, self.stream_poller = runtime, runtime.clock, stream_poller
        self.recorder = MetricRecorder()
        self.metrics = LambdaMetrics(self.recorder)
        self.actions = ActionRunner(runtime)
        self.running = False
        self._lock = threading.RLock()
        self._last_batch: Any = None  # the newest stream batch already counted in IteratorAge
        self._interval = int(value("alarm_evaluation_interval_s"))
        self._evaluated_until = self._boundary(self.clock.now())
        self._skipped: set[str] = set()  # alarms already reported as beyond the sandbox's evaluation
        self.clock.on_tick(self._tick)

    # -- life cycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Listen to the runtime and the logs, and patch moto's CloudWatch to read from here."""
        moto_patch.install(self)
        self.runtime.set_observer(self.metrics)
        logs.listen(self.log_events)
        self.running = True

    def stop(self) -> None:
        """Stop listening (the sandbox is stopping); moto gets its own CloudWatch back."""
        self.running = False
        logs.unlisten(self.log_events)
        self.runtime.set_observer(InvocationObserver())
        moto_patch.uninstall()

    def reset(self, reset_moto: Callable[[], None] = lambda: None) -> None:
        """Forget gathered data points and alarm history, and reset moto's state with `reset_moto` meanwhile: no
        tick may write data it had gathered before into the state that follows."""
        with self._lock:
            reset_moto()
            self.recorder.clear()
            history.clear()
            self._last_batch = None
            self._skipped.clear()

    # -- moto_patch.Hooks ------------------------------------------------------------------------------------
    def before_read(self, account: str, region: str) -> None:
        with self._lock:
            self._count_iterator_ages()
            self.recorder.flush(account, region)

    def now(self) -> float:
        return self.clock.now()

    def changed(self, alarm: Any, old: dict[str, str]) -> None:
        self.actions.run(alarm, alarm.alarm_arn.split(":")[4], old, self.clock.now())

    # -- embedded metrics ------------------------------------------------------------------------------------
    def log_events(self, logs_backend: Any, group: str, messages: list[str]) -> None:
        """CloudWatch Logs' extraction of embedded metrics from a batch of stored log events."""
        offset = self.clock.now() - time.time()  # the function's clock is real time; metrics use the sandbox's
        for message in messages:
            try:
                found = emf.extract(message)
            except emf.InvalidEmf as error:
                log.warning("A log event in %s has embedded metric metadata but gives no metric: %s", group, error)
                continue
            for metric in found:
                when = metric.timestamp_ms / 1000 + offset
                for number in metric.values:
                    self.recorder.add(logs_backend.account_id, logs_backend.region_name, metric.namespace,
                                      metric.name, number, [metric.dimensions], when, metric.unit)

    # -- stream mappings -------------------------------------------------------------------------------------
    def _count_iterator_ages(self) -> None:
        """IteratorAge of every stream batch the poller ran since the last count."""
        if self.stream_poller is None:
            return
        batches = list(self.stream_poller.history)
        new = batches
        for index in range(len(batches) - 1, -1, -1):
            if batches[index] is self._last_batch:
                new = batches[index + 1:]
                break
        if not new:
            return
        self._last_batch = batches[-1]
        mappings = {found.uuid: found for found in stream_mappings()}
        for batch in new:
            found = mappings.get(batch.mapping_uuid)
            if found is None or batch.outcome not in _INVOKED:
                continue
            fn = found.functions.get_function(found.mapping.function_arn)
            self.metrics.iterator_age(fn, str(found.mapping.function_arn), batch.iterator_age_ms, batch.sent_at)

    # -- alarms ----------------------------------------------------------------------------------------------
    def _boundary(self, when: float) -> int:
        return int(when // self._interval * self._interval)

    def _tick(self, _previous: float, now: float) -> None:
        """Write gathered data; evaluate every alarm at each whole minute passed since the last evaluation."""
        if not self.running:
            return
        self.evaluate_through(now)

    def evaluate_through(self, when: float) -> None:
        """Evaluate every alarm at each whole minute since the last evaluation up to clock time `when`, once each.

        A deployment that shifts traffic at a moment inside a long clock advance calls this first, so the alarms
        it reads are as they were at that moment.
        """
        with self._lock:
            self._count_iterator_ages()
            self.recorder.flush()
            due = list(range(self._evaluated_until + self._interval, self._boundary(when) + 1, self._interval))
            self._evaluated_until = max(self._evaluated_until, self._boundary(when))
            if due:
                self.evaluate_all(*due[-MAX_EVALUATIONS_PER_TICK:])

    def evaluate_all(self, *moments: float) -> None:
        """Evaluate every metric alarm of every account and region as at each clock time given, in order."""
        for _account, _region, backend in list(cloudwatch_backends.iter_backends()):
            alarms = list(backend.alarms.values())  # type: ignore[attr-defined]  # moto types it as BaseBackend
            if not alarms:
                continue
            data = backend.get_all_metrics()  # type: ignore[attr-defined]
            rules = [(alarm, self._rule(alarm)) for alarm in alarms]
            mine = {alarm.alarm_arn: [d for d in data if matches(d, _query(alarm))] for alarm, rule in rules if rule}
            for moment in moments:
                for alarm, rule in rules:
                    if rule is not None:
                        self._evaluate(alarm, rule, mine[alarm.alarm_arn], moment)

    def _rule(self, alarm: Any) -> Rule | None:
        """The alarm's rule, or None for what the sandbox does not evaluate (said once, in the log)."""
        plain = (alarm.rule is None and not alarm.metric_data_queries and alarm.statistic
                 and alarm.comparison_operator in OPERATORS)
        if not plain:
            if alarm.alarm_arn not in self._skipped:
                self._skipped.add(alarm.alarm_arn)
                log.warning("The sandbox evaluates alarms on one metric with a Statistic and a static threshold; "
                            "alarm %s (composite, metric math, percentile or anomaly band) keeps its state.",
                            alarm.name)
            return None
        periods = int(alarm.evaluation_periods)
        return Rule(alarm.statistic, int(alarm.period), periods, int(alarm.datapoints_to_alarm or periods),
                    float(alarm.threshold), alarm.comparison_operator, alarm.treat_missing_data or "missing")

    def _evaluate(self, alarm: Any, rule: Rule, data: list[Any], at: float) -> None:
        end = at // rule.period * rule.period
        start = end - rule.evaluation_periods * rule.period
        naive = moto_patch.naive
        found = {b.start: b for b in buckets(data, _query(alarm), naive(start), naive(end), rule.period)}
        points = []
        for index in range(1, rule.evaluation_periods + 1):  # newest first
            begins = end - index * rule.period
            bucket = found.get(naive(begins))
            points.append(Point(begins, bucket.statistic(rule.statistic) if bucket else None,
                                bucket.sample_count() if bucket else 0.0))
        verdict = evaluate(rule, points, at)
        if verdict.state is not None and verdict.state != alarm.state_value:
            alarm.update_state(verdict.reason, verdict.reason_data, verdict.state)


def _query(alarm: Any) -> MetricQuery:
    """The one metric (exact dimensions, optional unit) an alarm watches."""
    return MetricQuery.of(alarm.namespace, alarm.metric_name, alarm.dimensions, alarm.unit)


__all__ = ["Monitoring"]
