"""Embedded metric format: a function's EMF log lines become CloudWatch metrics, as CloudWatch Logs extracts them.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import boto3
import pytest

from lambda_course.deploy import deploy_function
from localaws.cloudwatch import emf

EMITTER = """
import json, time
def handler(event, context):
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": event["namespace"], "Dimensions": [["Service"], ["Service", "Stage"]],
            "Metrics": [{"Name": "Orders", "Unit": "Count"}, {"Name": "Latency", "Unit": "Milliseconds"}]}]},
        "Service": "cart", "Stage": "prod", "Orders": [2, 3], "Latency": 41.5, "requestId": context.aws_request_id}))
    print("an ordinary line mentioning _aws")
    return "ok"
"""


def _document(**changes) -> str:
    root = {"_aws": {"Timestamp": 1_700_000_000_000, "CloudWatchMetrics": [
        {"Namespace": "Shop", "Dimensions": [["Service"]], "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
        "Service": "cart", "Orders": 1}
    root.update(changes)
    return json.dumps(root)


def test_a_document_gives_one_metric_per_dimension_set():
    text = json.dumps({"_aws": {"Timestamp": 5, "CloudWatchMetrics": [{
        "Namespace": "Shop", "Dimensions": [["Service"], []], "Metrics": [{"Name": "Orders"}]}]},
        "Service": "cart", "Orders": [1, 2.5]})
    found = emf.extract(text)
    assert [(m.name, m.dimensions, m.values, m.unit) for m in found] == [
        ("Orders", (("Service", "cart"),), (1.0, 2.5), None), ("Orders", (), (1.0, 2.5), None)]
    assert found[0].timestamp_ms == 5


@pytest.mark.parametrize("line", ["START RequestId: 1 Version: $LATEST", '{"message": "no metadata"}',
                                  "{not json but mentions \"_aws\"}"])
def test_ordinary_log_lines_give_nothing(line):
    assert emf.extract(line) == []


@pytest.mark.parametrize(("document", "why"), [
    (_document(Orders="many"), "needs a number"),
    (_document(Service=7), "string member"),
    (_document(_aws={"CloudWatchMetrics": []}), "Timestamp"),
    (_document(_aws={"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "", "Dimensions": [],
                                                            "Metrics": []}]}), "Namespace"),
    (_document(_aws={"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "S", "Dimensions": [],
                                                            "Metrics": [{"Name": "Orders", "Unit": "Apples"}]}]}),
     "not a CloudWatch unit"),
    (_document(Orders=list(range(101))), "1 to 100 numbers"),
])
def test_an_invalid_document_gives_no_metric_and_says_why(document, why):
    with pytest.raises(emf.InvalidEmf, match=why):
        emf.extract(document)


def test_an_emf_line_printed_by_a_function_becomes_a_metric(sb, unique):
    name, namespace = f"emf-{unique}", f"Shop-{unique}"
    deploy_function(name, EMITTER)
    boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"namespace": namespace}).encode())
    cloudwatch = boto3.client("cloudwatch")
    now = datetime.fromtimestamp(sb.clock.now(), UTC)
    window = {"StartTime": now - timedelta(minutes=5), "EndTime": now + timedelta(minutes=2), "Period": 300}
    orders = cloudwatch.get_metric_statistics(Namespace=namespace, MetricName="Orders", Statistics=["Sum",
                                              "SampleCount"], Dimensions=[{"Name": "Service", "Value": "cart"}],
                                              **window)["Datapoints"]
    assert [(p["Sum"], p["SampleCount"], p["Unit"]) for p in orders] == [(5.0, 2.0, "Count")]
    latency = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="Latency", Statistics=["Average"],
        Dimensions=[{"Name": "Service", "Value": "cart"}, {"Name": "Stage", "Value": "prod"}], **window)
    assert [p["Average"] for p in latency["Datapoints"]] == [41.5]
    listed = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert len(listed) == 4  # two metrics, each under two dimension sets
    assert "requestId" not in {d["Name"] for m in listed for d in m["Dimensions"]}  # other members stay in the log


def test_embedded_metrics_move_with_the_sandbox_clock(sb, unique):
    name, namespace = f"emf-clock-{unique}", f"Clocked-{unique}"
    deploy_function(name, EMITTER)
    sb.clock.advance(3600)
    boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"namespace": namespace}).encode())
    clock_now = datetime.fromtimestamp(sb.clock.now(), UTC)
    assert sb.clock.now() - time.time() > 3599  # so the window below leaves out real time
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=namespace, MetricName="Orders", Statistics=["Sum"], Period=60,
        Dimensions=[{"Name": "Service", "Value": "cart"}], StartTime=clock_now - timedelta(minutes=10),
        EndTime=clock_now + timedelta(minutes=2))["Datapoints"]
    assert [p["Sum"] for p in points] == [5.0]  # where the sandbox clock is, not where the function's clock is


def test_a_broken_document_is_logged_and_the_rest_of_the_batch_still_counts(sb, unique, caplog):
    logs_backend = SimpleNamespace(account_id="123456789012", region_name="us-east-1")
    good = _document(Service=f"svc-{unique}", Orders=4)
    sb.cloudwatch.log_events(logs_backend, "/aws/lambda/x", [_document(Orders="many"), good])
    assert "gives no metric: metric 'Orders' needs a number" in caplog.text
    now = datetime.fromtimestamp(sb.clock.now(), UTC)
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="Shop", MetricName="Orders", Statistics=["Sum"], Period=60,
        Dimensions=[{"Name": "Service", "Value": f"svc-{unique}"}],
        StartTime=datetime.fromtimestamp(1_700_000_000, UTC) - timedelta(minutes=1),
        EndTime=now + timedelta(minutes=1))["Datapoints"]
    assert [p["Sum"] for p in points] == [4.0]
