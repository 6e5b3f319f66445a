"""The course reads an invocation's REPORT whatever the function's log format: a Text REPORT line or, with
LoggingConfig's LogFormat JSON, the platform.report event
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html)."""

from __future__ import annotations

import json

import boto3

from lambda_course.deploy import deploy_function, invoke, parse_report

HANDLER = "def handler(event, context):\n    return 'ok'\n"


def test_a_json_format_function_reports_its_cold_start_and_duration(sb, unique):
    name = f"json-report-{unique}"
    deploy_function(name, HANDLER)
    boto3.client("lambda").update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON"})
    first, second = invoke(name), invoke(name)
    assert first.payload == "ok" and first.cold and not second.cold
    assert first.report["Duration"] > 0 and first.report["Memory Size"] == 128


def test_parse_report_reads_the_last_report_of_either_format():
    text = "START RequestId: a\nREPORT RequestId: a\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB"
    event = {"time": "2026-12-07T00:00:00.000Z", "type": "platform.report",
             "record": {"requestId": "b", "metrics": {"durationMs": 3.25, "billedDurationMs": 4, "memorySizeMB": 256,
                                                       "maxMemoryUsedMB": 40, "initDurationMs": 90.5}}}
    assert parse_report(text) == {"Duration": 1.5, "Billed Duration": 2.0, "Memory Size": 128.0}
    assert parse_report(text + "\n" + json.dumps(event)) == {
        "Duration": 3.25, "Billed Duration": 4.0, "Memory Size": 256.0, "Max Memory Used": 40.0,
        "Init Duration": 90.5}
    assert parse_report('{"level": "INFO", "message": "not a report"}\nprinted line') == {}
