"""The sandbox's CloudWatch as a whole: batched writes, reset, and actions that fail loudly.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html (an action that cannot
run is recorded in the alarm's history) and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import boto3

from lambda_course.deploy import deploy_function
from localaws.cloudwatch.lambda_metrics import LambdaMetrics
from localaws.cloudwatch.recorder import MetricRecorder, dimensions
from localaws.runtime.observer import Concurrency

HANDLER = "def handler(event, context):\n    return 'ok'\n"


def test_invocations_are_gathered_then_written_in_one_batch(sb, unique):
    name = f"batched-{unique}"
    deploy_function(name, HANDLER)
    for _ in range(5):
        boto3.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    from moto.cloudwatch.models import cloudwatch_backends  # the test reads what moto stored

    stored = cloudwatch_backends["123456789012"]["us-east-1"].get_all_metrics()  # writes what was gathered
    mine = [d for d in stored if d.name == "Invocations" and any(x.value == name for x in d.dimensions)]
    assert 1 <= len(mine) <= 2 * 2  # a statistic set per dimension set (and per write), not one per invocation
    assert sum(d.sample_count for d in mine if len(d.dimensions) == 1) == 5


def test_the_recorder_keeps_one_statistic_set_per_minute():
    recorder = MetricRecorder()
    start = 1_765_000_000.0 // 60 * 60
    for offset, number in ((1, 4.0), (30, 2.0), (59, 9.0), (61, 1.0)):
        recorder.add("1", "r", "N", "M", number, [dimensions(A="x")], start + offset)
    assert recorder.pending() == 2  # two minutes
    recorder.clear()
    assert recorder.pending() == 0


def test_reset_forgets_metrics_alarms_and_history(sb, unique):
    name = f"reset-{unique}"
    deploy_function(name, HANDLER)
    boto3.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName=f"reset-{unique}", Namespace="AWS/Lambda", MetricName="Errors",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold")
    sb.reset()
    now = datetime.fromtimestamp(sb.clock.now(), UTC)
    assert cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Invocations", Period=60, Statistics=["Sum"],
        Dimensions=[{"Name": "FunctionName", "Value": name}], StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1))["Datapoints"] == []
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert cloudwatch.describe_alarm_history()["AlarmHistoryItems"] == []
    assert sb.cloudwatch.recorder.pending() == 0


def test_an_action_on_a_missing_topic_is_a_failure_in_the_history(sb, unique):
    alarm, topic = f"lost-{unique}", f"arn:aws:sns:us-east-1:123456789012:gone-{unique}"
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold", TreatMissingData="breaching",
        Dimensions=[{"Name": "FunctionName", "Value": f"none-{unique}"}], AlarmActions=[topic])
    sb.clock.advance(60)
    (action,) = boto3.client("cloudwatch").describe_alarm_history(
        AlarmName=alarm, HistoryItemType="Action")["AlarmHistoryItems"]
    assert action["HistorySummary"].startswith(f"Failed to execute action {topic}. Received error:")
    assert '"actionState": "Failed"' in action["HistoryData"]


def test_recording_an_invocation_only_gathers_and_never_writes_on_the_invocation_path(sb, monkeypatch):
    """What runs on an invocation's path is a dictionary update, not a PutMetricData call (warm invokes stay fast;
    benchmarks/bench_runtime.py measures them): flushing is the monitor's tick's work, never the invocation's."""
    metrics = LambdaMetrics(MetricRecorder())

    def written(*args: object, **kwargs: object) -> int:
        raise AssertionError("an invocation wrote its metrics itself")

    monkeypatch.setattr(metrics.recorder, "flush", written)
    fn = SimpleNamespace(function_name="f", account_id="1", region="r", version="3")
    outcome = SimpleNamespace(function_error=None, report=SimpleNamespace(duration_ms=1.5))
    for _ in range(1000):
        metrics.invoked(fn, "arn:aws:lambda:r:1:function:f:live", outcome, 1_765_000_000.0, Concurrency(1, 1))
    assert metrics.recorder.pending() == 4 * 4  # four metrics (with ConcurrentExecutions), four dimension sets each


def test_no_metric_write_lands_between_moto_reset_and_the_monitors_own(sb):
    """A tick that flushes gathered data while the sandbox resets waits for the reset, so nothing gathered before
    reaches the state after it."""
    writers: list[threading.Thread] = []
    blocked: list[bool] = []

    def reset_moto() -> None:
        writer = threading.Thread(target=sb.cloudwatch.evaluate_through, args=(sb.clock.now(),))
        writer.start()
        writer.join(timeout=0.3)
        blocked.append(writer.is_alive())  # still waiting for the monitor: it cannot write yet
        writers.append(writer)

    sb.cloudwatch.reset(reset_moto)
    writers[0].join(timeout=10)
    assert blocked == [True] and not writers[0].is_alive()
