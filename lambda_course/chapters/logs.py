"""Read a function's log lines back from CloudWatch Logs in the sandbox, oldest first."""

from __future__ import annotations

import boto3


def function_log_lines(function_name: str) -> list[str]:
    """Every message in `/aws/lambda/<name>`, across its streams, in time order; empty if none yet."""
    logs = boto3.client("logs")
    group = f"/aws/lambda/{function_name}"
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    events = []
    for stream in streams:
        response = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"],
                                       startFromHead=True)
        events.extend(response["events"])
    return [event["message"].rstrip("\n") for event in sorted(events, key=lambda e: e["timestamp"])]
