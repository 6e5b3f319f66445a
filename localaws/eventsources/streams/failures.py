"""What a stream batch's failure means, and the record Lambda sends to the on-failure destination.

Partial batch responses (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html):
with ReportBatchItemFailures the function names failed records by sequence number; Lambda checkpoints before
the lowest one and retries from there. An empty or null list, an empty object or a null answer is a full
success; an identifier that is empty, null, misspelt or not in the batch fails the whole batch.

On-failure destinations (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html and
with-ddb.html): an SQS queue or SNS topic receives a JSON document naming the shard and the range of sequence
numbers given up, not the records themselves.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localaws.eventsources.batch_response import InvalidResponse, reported_failures
from localaws.eventsources.streams.sources import KINESIS, SourceRecord

RETRIES_EXHAUSTED, RECORD_AGE_EXCEEDED = "RetryAttemptsExhausted", "RecordAgeExceeded"
SEND_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish"}  # what the execution role needs per destination


@dataclass(frozen=True)
class Verdict:
    """How one invocation of a batch ended: how many leading records are done, and a one-word outcome."""

    done: int  # records at the front of the batch that succeeded (all of them for a success)
    outcome: str  # ok, partial, function_error, invalid_response


def verdict(function_error: str | None, payload: bytes, records: list[SourceRecord],
            report_failures: bool) -> Verdict:
    """Judge a batch by the function's outcome and, with ReportBatchItemFailures, its answer."""
    if function_error:
        return Verdict(0, "function_error")
    if not report_failures:
        return Verdict(len(records), "ok")
    try:
        failed = reported_failures(payload, {record.sequence_number for record in records})
    except InvalidResponse:
        return Verdict(0, "invalid_response")
    if not failed:
        return Verdict(len(records), "ok")
    lowest = min(int(identifier) for identifier in failed)
    return Verdict(sum(1 for record in records if record.seq < lowest), "partial")


def _iso(moment: float, milliseconds: bool) -> str:
    stamp = datetime.fromtimestamp(moment, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if milliseconds else stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LastInvocation:
    """What the last invocation of a batch answered, for the record's responseContext."""

    request_id: str
    function_error: str | None
    executed_version: str = "$LATEST"


def invocation_record(kind: str, function_arn: str, condition: str, attempts: int, shard_id: str,
                      records: list[SourceRecord], arrivals: list[float], stream_arn: str, now: float,
                      last: LastInvocation | None) -> dict[str, Any]:
    """The document sent to the on-failure destination for records given up (AWS's field order)."""
    milliseconds = kind == KINESIS  # Kinesis times carry milliseconds, DynamoDB Streams' whole seconds
    document: dict[str, Any] = {"requestContext": {
        "requestId": last.request_id if last else str(uuid.uuid4()), "functionArn": function_arn,
        "condition": condition, "approximateInvokeCount": attempts}}
    if last is not None:  # records that aged out before any invocation have no response to report
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": last.executed_version}
        if last.function_error:
            response["functionError"] = last.function_error
        document["responseContext"] = response
    document.update({"version": "1.0", "timestamp": _iso(now, True)})
    document["KinesisBatchInfo" if kind == KINESIS else "DDBStreamBatchInfo"] = {
        "shardId": shard_id,
        "startSequenceNumber": records[0].sequence_number,
        "endSequenceNumber": records[-1].sequence_number,
        "approximateArrivalOfFirstRecord": _iso(arrivals[0], milliseconds),
        "approximateArrivalOfLastRecord": _iso(arrivals[-1], milliseconds),
        "batchSize": len(records),
        "streamArn": stream_arn,
    }
    return document


def send_action(destination: str) -> str:
    """The action the execution role needs to send to the destination; ValueError unless a queue or a topic."""
    parts = destination.split(":")
    if len(parts) != 6 or parts[2] not in SEND_ACTIONS:
        raise ValueError(f"{destination} is neither an SQS queue nor an SNS topic: a stream mapping's on-failure "
                         "destination must be one of them")
    return SEND_ACTIONS[parts[2]]


def send(destination: str, document: dict[str, Any]) -> None:
    """Deliver the record to an SQS queue or SNS topic, by the ARN's service; ValueError for any other."""
    from moto.sns.models import sns_backends  # moto loads at sandbox start: start-up time
    from moto.sqs.models import sqs_backends  # moto loads at sandbox start: start-up time

    send_action(destination)
    parts = destination.split(":")
    body = json.dumps(document)
    if parts[2] == "sqs":
        sqs_backends[parts[4]][parts[3]].send_message(parts[5], body)
    else:
        sns_backends[parts[4]][parts[3]].publish(message=body, arn=destination)
