"""Lambda's LoggingConfig: JSON log format, application and system log levels, and a log group of one's own.

Shapes and rules from AWS's pages:
- https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html (members, enums, log group pattern)
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html (format, levels, group)
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html (JSON system log events)
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html (filtering by level)
- https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (the Python runtime's JSON records)
- https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html (the records of platform events)
"""

from __future__ import annotations

import json
import re
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_course.deploy import ensure_role, invoke, zip_source

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

HANDLER = """
import logging, os
logger = logging.getLogger()

def handler(event, context):
    logger.debug("a debug record")
    logger.info("order received", extra={"order_id": 42, "paid": True, "items": ["tea", "cake"]})
    logger.warning("stock is low")
    print("printed line")
    print('{"level": "debug", "msg": "my debug log", "timestamp": "2024-11-02T16:51:31.587199Z"}')
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("could not divide")
    return {"root_level": logging.getLogger().level, "format": os.environ.get("AWS_LAMBDA_LOG_FORMAT"),
            "level": os.environ.get("AWS_LAMBDA_LOG_LEVEL"), "group": os.environ["AWS_LAMBDA_LOG_GROUP_NAME"],
            "request_id": context.aws_request_id}
"""


def _create(name: str, logging_config: dict | None = None, source: str = HANDLER) -> dict:
    extra = {"LoggingConfig": logging_config} if logging_config is not None else {}
    return boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=ensure_role(),
        Code={"ZipFile": zip_source(source)}, **extra)


def _events(group: str) -> list[str]:
    """Every message in a log group, stream by stream, oldest first."""
    client = boto3.client("logs")
    messages: list[str] = []
    for stream in client.describe_log_streams(logGroupName=group)["logStreams"]:
        found = client.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)
        messages += [event["message"] for event in found["events"]]
    return messages


def _json_events(messages: list[str]) -> list[dict]:
    return [json.loads(message) for message in messages if message.startswith("{")]


def _records(messages: list[str]) -> dict[str, dict]:
    """The application records by message (the runtime's JSON logging records)."""
    return {event["message"]: event for event in _json_events(messages) if "level" in event and "message" in event}


def _system(messages: list[str]) -> list[dict]:
    return [event for event in _json_events(messages) if str(event.get("type", "")).startswith("platform.")]


def _config(name: str) -> dict:
    return boto3.client("lambda").get_function_configuration(FunctionName=name)["LoggingConfig"]


# -- the configuration ----------------------------------------------------------------------------------------

def test_a_function_without_logging_config_logs_text_to_its_own_group(sb, unique):
    """API_LoggingConfig: the default log group is /aws/lambda/<function name>; the default format is Text."""
    name = f"text-{unique}"
    created = _create(name)
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert _config(name) == created["LoggingConfig"]


def test_json_format_takes_info_for_both_levels_unless_told(sb, unique):
    """monitoring-cloudwatchlogs-log-level: the default application and system log level is INFO."""
    name = f"json-default-{unique}"
    _create(name, {"LogFormat": "JSON"})
    assert _config(name) == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                             "LogGroup": f"/aws/lambda/{name}"}


def test_an_update_changes_only_what_it_names_and_text_drops_the_levels(sb, unique):
    name = f"json-update-{unique}"
    _create(name, {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
    client = boto3.client("lambda")
    client.update_function_configuration(FunctionName=name, LoggingConfig={"SystemLogLevel": "WARN"})
    assert _config(name)["ApplicationLogLevel"] == "DEBUG" and _config(name)["SystemLogLevel"] == "WARN"
    client.update_function_configuration(FunctionName=name, Timeout=5)  # no LoggingConfig: kept as it was
    assert _config(name)["ApplicationLogLevel"] == "DEBUG"
    client.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
    assert _config(name) == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}


def test_a_log_level_with_text_format_is_refused(sb, unique):
    """monitoring-cloudwatchlogs-log-level: log-level filtering needs the JSON log format."""
    name = f"text-level-{unique}"
    with pytest.raises(ClientError) as refused:
        _create(name, {"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert 'LogLevel is not supported when LogFormat is set to "Text"' in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        boto3.client("lambda").get_function(FunctionName=name)  # nothing was stored
    _create(name)
    with pytest.raises(ClientError) as refused:  # a level alone, on a Text function, is refused too
        boto3.client("lambda").update_function_configuration(FunctionName=name,
                                                              LoggingConfig={"SystemLogLevel": "WARN"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert _config(name) == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}


def test_values_outside_the_api_model_are_listed_in_one_validation_error(sb, unique):
    """API_LoggingConfig: the enums and the log group's pattern [\\.\\-_/#A-Za-z0-9]+."""
    name = f"bad-enum-{unique}"
    with pytest.raises(ClientError) as refused:
        _create(name, {"LogFormat": "Yaml", "SystemLogLevel": "TRACE", "LogGroup": "no spaces please"})
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("3 validation errors detected: ")
    assert ("Value 'Yaml' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum "
            "value set: [JSON, Text]") in error["Message"]
    assert ("Value 'TRACE' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy "
            "enum value set: [DEBUG, INFO, WARN]") in error["Message"]
    assert "'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression" in \
        error["Message"]


# -- what the function writes ---------------------------------------------------------------------------------

def test_each_logging_record_is_one_json_object_with_the_documented_fields(sb, unique):
    """python-logging: timestamp, level, message, logger and requestId, the extra keys, and for an exception
    errorType, errorMessage and stackTrace; print output stays plain text."""
    name = f"json-fields-{unique}"
    _create(name, {"LogFormat": "JSON"})
    result = invoke(name)
    assert result.status == 200 and result.function_error is None
    messages = _events(f"/aws/lambda/{name}")
    records = _records(messages)
    info = records["order received"]
    assert STAMP.match(info["timestamp"])
    assert info["level"] == "INFO" and info["logger"] == "root"
    assert info["requestId"] == result.payload["request_id"]
    assert info["order_id"] == 42 and info["paid"] is True and info["items"] == ["tea", "cake"]  # types kept
    failure = records["could not divide"]
    assert failure["level"] == "ERROR"
    assert failure["errorType"] == "ZeroDivisionError" and failure["errorMessage"] == "division by zero"
    assert isinstance(failure["stackTrace"], list) and all(isinstance(line, str) for line in failure["stackTrace"])
    assert "printed line" in messages  # a print is a plain text line, not JSON
    # a printed JSON object with a "level" has that level (the log-level filtering page's own example): DEBUG
    assert not any("my debug log" in message for message in messages)
    assert result.payload["format"] == "JSON" and result.payload["level"] == "INFO"


def test_a_plain_logging_call_with_extra_needs_no_library(sb, unique):
    """python-logging: the standard library's logging, no Powertools, gives structured JSON with extra keys."""
    name = f"json-plain-{unique}"
    _create(name, {"LogFormat": "JSON"}, """
import logging
def handler(event, context):
    logging.getLogger().info("x", extra={"customer": "c-1", "total": 9.5})
    return "ok"
""")
    invoke(name)
    (record,) = [event for event in _json_events(_events(f"/aws/lambda/{name}")) if event.get("message") == "x"]
    assert record["customer"] == "c-1" and record["total"] == 9.5 and record["level"] == "INFO"


def test_application_log_level_filters_records_and_printed_lines(sb, unique):
    """monitoring-cloudwatchlogs-log-level: WARN drops INFO and DEBUG; a line with no level counts as INFO. The
    runtime sets the root logger's level from AWS_LAMBDA_LOG_LEVEL (python-logging)."""
    name = f"json-warn-{unique}"
    _create(name, {"LogFormat": "JSON", "ApplicationLogLevel": "WARN"})
    result = invoke(name)
    messages = _events(f"/aws/lambda/{name}")
    records = _records(messages)
    assert set(records) == {"stock is low", "could not divide"}
    assert "printed line" not in messages
    assert result.payload["root_level"] == 30 and result.payload["level"] == "WARN"


def test_debug_level_lets_debug_records_through(sb, unique):
    name = f"json-debug-{unique}"
    _create(name, {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
    invoke(name)
    messages = _events(f"/aws/lambda/{name}")
    assert _records(messages)["a debug record"]["level"] == "DEBUG"
    assert "printed line" in messages
    assert any(json.loads(message).get("msg") == "my debug log" for message in messages if message[0] == "{")


# -- what Lambda writes ---------------------------------------------------------------------------------------

def test_system_events_are_json_with_type_and_record(sb, unique):
    """monitoring-cloudwatchlogs-logformat and telemetry-schema-reference: platform.initStart, platform.start and
    platform.report at INFO, with their records; platform.runtimeDone (END's counterpart) is DEBUG, so absent."""
    name = f"json-system-{unique}"
    _create(name, {"LogFormat": "JSON"})
    result = invoke(name)
    events = _system(_events(f"/aws/lambda/{name}"))
    assert [event["type"] for event in events] == ["platform.initStart", "platform.start", "platform.report"]
    assert all(STAMP.match(event["time"]) for event in events)
    init, start, report = (event["record"] for event in events)
    assert init["initializationType"] == "on-demand" and init["phase"] == "init"
    assert init["functionName"] == name and init["functionVersion"] == "$LATEST"
    assert init["runtimeVersion"].startswith("python:")
    rid = result.payload["request_id"]
    assert start["requestId"] == rid and start["version"] == "$LATEST" and start["functionArn"].endswith(name)
    assert report["requestId"] == rid and report["status"] == "success"
    metrics = report["metrics"]
    assert isinstance(metrics["durationMs"], float) and isinstance(metrics["billedDurationMs"], int)
    assert metrics["memorySizeMB"] == 128 and isinstance(metrics["maxMemoryUsedMB"], int)
    assert metrics["initDurationMs"] > 0  # a cold start
    assert metrics["billedDurationMs"] >= metrics["durationMs"]
    assert not any(line.startswith(("START ", "END ", "REPORT ")) for line in result.log.splitlines())


def test_system_log_level_debug_adds_runtime_done_and_warn_keeps_none(sb, unique):
    """monitoring-cloudwatchlogs-log-level: DEBUG sends every system event, WARN none of these."""
    debug, warn = f"json-sys-debug-{unique}", f"json-sys-warn-{unique}"
    _create(debug, {"LogFormat": "JSON", "SystemLogLevel": "DEBUG"})
    _create(warn, {"LogFormat": "JSON", "SystemLogLevel": "WARN"})
    invoke(debug)
    invoke(warn)
    types = [event["type"] for event in _system(_events(f"/aws/lambda/{debug}"))]
    assert types == ["platform.initStart", "platform.start", "platform.runtimeDone", "platform.report"]
    (done,) = [event["record"] for event in _system(_events(f"/aws/lambda/{debug}"))
               if event["type"] == "platform.runtimeDone"]
    assert done["status"] == "success" and done["metrics"]["producedBytes"] > 0
    assert _system(_events(f"/aws/lambda/{warn}")) == []
    assert "stock is low" in _records(_events(f"/aws/lambda/{warn}"))  # application logs are not affected


def test_a_failed_invocation_reports_its_status_and_error_type(sb, unique):
    name = f"json-fail-{unique}"
    _create(name, {"LogFormat": "JSON"}, "def handler(event, context):\n    raise ValueError('bad input')\n")
    result = invoke(name)
    assert result.function_error == "Unhandled"
    messages = _events(f"/aws/lambda/{name}")
    (report,) = [event["record"] for event in _system(messages) if event["type"] == "platform.report"]
    assert report["status"] == "error" and report["errorType"] == "ValueError"
    (error,) = [event for event in _json_events(messages) if event.get("errorType") == "ValueError"]
    assert error["level"] == "ERROR" and error["errorMessage"] == "bad input"


def test_text_format_is_unchanged(sb, unique):
    name = f"text-lines-{unique}"
    _create(name)
    result = invoke(name)
    lines = result.log.splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:")
    assert any(line.startswith(f"START RequestId: {result.payload['request_id']} Version: $LATEST") for line in lines)
    # the root logger keeps Python's WARNING level with Text, so INFO records do not appear
    assert any(line.startswith("[WARNING]\t") and line.endswith("stock is low") for line in lines)
    assert not any(line.endswith("order received") for line in lines)
    assert any(line.startswith("END RequestId: ") for line in lines)
    assert lines[-1].startswith("REPORT RequestId: ")
    assert result.payload["format"] is None and result.payload["level"] is None


# -- where it goes --------------------------------------------------------------------------------------------

def test_a_custom_log_group_receives_the_logs(sb, unique):
    """monitoring-cloudwatchlogs-advanced: LogGroup sends the function's logs to that group instead."""
    name, group = f"grouped-{unique}", f"/shared/orders-{unique}"
    _create(name, {"LogFormat": "JSON", "LogGroup": group})
    result = invoke(name)
    assert result.payload["group"] == group
    assert "order received" in _records(_events(group))
    groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
    assert groups == []


def test_changing_the_format_starts_a_new_environment(sb, unique):
    name = f"switch-{unique}"
    _create(name)
    assert invoke(name).payload["format"] is None
    boto3.client("lambda").update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON"})
    time.sleep(0.05)
    assert invoke(name).payload["format"] == "JSON"
