"""Lambda's metrics in AWS/Lambda, read back with boto3 as from CloudWatch.

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (what each metric counts) and
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html (FunctionName, Resource,
ExecutedVersion); each dimension combination is its own metric:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from lambda_course.deploy import deploy_function, ensure_role

HANDLER = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise RuntimeError("failed on purpose")
    return "ok"
"""


def _window(sb, minutes: int = 10) -> dict:
    now = datetime.fromtimestamp(sb.clock.now(), UTC)
    return {"StartTime": now - timedelta(minutes=minutes), "EndTime": now + timedelta(minutes=2)}


def _statistic(sb, metric: str, statistic: str, **dims: str) -> float:
    """The statistic over the last minutes, summed over the periods (0 when there is no data point)."""
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Period=60, Statistics=[statistic],
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()], **_window(sb))["Datapoints"]
    if statistic == "Maximum":
        return max((p[statistic] for p in points), default=0.0)
    return sum(p[statistic] for p in points)


def test_invocations_and_errors_are_counted_per_function(sb, unique):
    name = f"metrics-{unique}"
    deploy_function(name, HANDLER)
    client = boto3.client("lambda")
    for _ in range(3):
        client.invoke(FunctionName=name, Payload=b"{}")
    client.invoke(FunctionName=name, Payload=b'{"fail": true}')
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name) == 4
    assert _statistic(sb, "Errors", "Sum", FunctionName=name) == 1
    assert _statistic(sb, "Errors", "SampleCount", FunctionName=name) == 4  # a binary indicator per invocation
    assert _statistic(sb, "Throttles", "Sum", FunctionName=name) == 0
    # unqualified invocations have no Resource dimension; the account-wide metric (no dimension) counts them too
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name, Resource=f"{name}:$LATEST") == 0
    assert _statistic(sb, "Invocations", "Sum") >= 4


def test_an_alias_has_its_own_resource_and_executed_version(sb, unique):
    name = f"alias-metrics-{unique}"
    version = deploy_function(name, HANDLER, publish=True)["Version"]
    client = boto3.client("lambda")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    client.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    client.invoke(FunctionName=name, Qualifier="live", Payload=b'{"fail": true}')
    client.invoke(FunctionName=name, Payload=b"{}")
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name) == 3  # every invocation of the function
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name, Resource=f"{name}:live") == 2
    assert _statistic(sb, "Errors", "Sum", FunctionName=name, Resource=f"{name}:live") == 1
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name, Resource=f"{name}:live",
                      ExecutedVersion=version) == 2
    listed = boto3.client("cloudwatch").list_metrics(Namespace="AWS/Lambda", MetricName="Invocations",
                                                     Dimensions=[{"Name": "FunctionName", "Value": name}])["Metrics"]
    combinations = sorted(sorted(d["Name"] for d in m["Dimensions"]) for m in listed)
    assert combinations == [["ExecutedVersion", "FunctionName", "Resource"], ["FunctionName"],
                            ["FunctionName", "Resource"]]


def test_throttles_are_counted_and_are_not_invocations(sb, unique):
    name = f"throttled-{unique}"
    deploy_function(name, HANDLER)
    client = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    errors: list[Exception] = []

    def call() -> None:
        try:
            client.invoke(FunctionName=name, Payload=b'{"sleep": 0.5}')
        except client.exceptions.TooManyRequestsException as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 2
    assert _statistic(sb, "Throttles", "Sum", FunctionName=name) == 2
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name) == 1
    assert _statistic(sb, "ConcurrentExecutions", "Maximum", FunctionName=name) == 1


def test_duration_statistics_follow_the_report_lines(sb, unique):
    name = f"duration-{unique}"
    deploy_function(name, HANDLER)
    client = boto3.client("lambda")
    client.invoke(FunctionName=name, Payload=b'{"sleep": 0.05}')
    client.invoke(FunctionName=name, Payload=b'{"sleep": 0.25}')
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Duration", Period=3600,
        Statistics=["Minimum", "Maximum", "Average", "SampleCount"],
        Dimensions=[{"Name": "FunctionName", "Value": name}], **_window(sb))["Datapoints"]
    assert len(points) == 1
    (point,) = points
    assert point["SampleCount"] == 2 and point["Unit"] == "Milliseconds"
    assert 50 <= point["Minimum"] < 250 <= point["Maximum"] < 1000
    assert point["Minimum"] < point["Average"] < point["Maximum"]


def test_metric_time_is_the_sandbox_clock_per_minute(sb, unique):
    name = f"clock-{unique}"
    deploy_function(name, HANDLER)
    client = boto3.client("lambda")
    client.invoke(FunctionName=name, Payload=b"{}")
    sb.clock.advance(180)
    client.invoke(FunctionName=name, Payload=b"{}")
    result = boto3.client("cloudwatch").get_metric_data(
        MetricDataQueries=[{"Id": "calls", "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                       "Dimensions": [{"Name": "FunctionName", "Value": name}]},
            "Period": 60, "Stat": "Sum"}}], ScanBy="TimestampAscending", **_window(sb))
    (series,) = result["MetricDataResults"]
    assert series["Values"] == [1.0, 1.0]
    first, second = series["Timestamps"]
    assert (second - first).total_seconds() in (180, 240)  # two minutes three (or four) minutes apart
    assert first.second == 0 and second.second == 0


def test_asynchronous_events_are_received_aged_and_dropped(sb, unique):
    name = f"async-metrics-{unique}"
    deploy_function(name, HANDLER)
    client = boto3.client("lambda")
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert sb.wait_idle(30)
    assert _statistic(sb, "AsyncEventsReceived", "Sum", FunctionName=name) == 2
    assert _statistic(sb, "AsyncEventsDropped", "Sum", FunctionName=name) == 1  # no retries left for the failure
    assert _statistic(sb, "AsyncEventAge", "SampleCount", FunctionName=name) == 2
    assert _statistic(sb, "Invocations", "Sum", FunctionName=name) == 2


@pytest.mark.parametrize("statistic", ["Sum", "SampleCount"])
def test_a_function_without_invocations_has_no_data(sb, unique, statistic):
    deploy_function(f"idle-{unique}", HANDLER)
    assert _statistic(sb, "Invocations", statistic, FunctionName=f"idle-{unique}") == 0


def test_iterator_age_of_a_stream_mapping(sb, unique):
    """IteratorAge: how old the last record of each batch was when the batch was sent, per function."""
    name, stream = f"stream-reader-{unique}", f"metrics-stream-{unique}"
    deploy_function(name, HANDLER)
    kinesis, lam = boto3.client("kinesis"), boto3.client("lambda")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON",
                                           BatchSize=1)["UUID"]
    try:
        for data in ("a", "b", "c"):
            kinesis.put_record(StreamName=stream, Data=data.encode(), PartitionKey="k")
        assert sb.wait_idle(30)
        ages = [age for _when, age in sb.stream_poller.iterator_ages(uuid)]
        assert len(ages) == 3
        assert _statistic(sb, "IteratorAge", "SampleCount", FunctionName=name) == 3
        assert _statistic(sb, "IteratorAge", "Maximum", FunctionName=name) == max(ages)
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_records_the_role_may_not_send_are_delivery_failures(sb, unique):
    """DeadLetterErrors and DestinationDeliveryFailures: a record Lambda could not send (here: the role may not)."""
    name = f"undelivered-{unique}"
    role = ensure_role(f"role-{name}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})
    deploy_function(name, HANDLER, role=role)
    sqs, client = boto3.client("sqs"), boto3.client("lambda")
    arns = []
    for kind in ("dlq", "failures"):
        url = sqs.create_queue(QueueName=f"{kind}-{unique}")["QueueUrl"]
        arns.append(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    client.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": arns[0]})
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                            DestinationConfig={"OnFailure": {"Destination": arns[1]}})
    client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    assert sb.wait_idle(30)
    assert _statistic(sb, "DeadLetterErrors", "Sum", FunctionName=name) == 1
    assert _statistic(sb, "DestinationDeliveryFailures", "Sum", FunctionName=name) == 1
    assert _statistic(sb, "AsyncEventsDropped", "Sum", FunctionName=name) == 1


def test_list_metrics_names_a_metric_of_several_dimensions_once_however_many_batches_it_has(sb, unique):
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html: each metric (its
    namespace, name and dimensions) is listed once, however its data points arrived."""
    cloudwatch = boto3.client("cloudwatch")
    dimensions = [{"Name": "FunctionName", "Value": unique}, {"Name": "Resource", "Value": f"{unique}:live"}]
    for value in (1.0, 2.0):  # two calls: two batches of the same metric
        cloudwatch.put_metric_data(Namespace=f"Course/{unique}", MetricData=[
            {"MetricName": "Orders", "Dimensions": list(reversed(dimensions)) if value > 1 else dimensions,
             "Value": value}])
    listed = cloudwatch.list_metrics(Namespace=f"Course/{unique}")["Metrics"]
    assert len(listed) == 1 and sorted(d["Name"] for d in listed[0]["Dimensions"]) == ["FunctionName", "Resource"]
