"""The Kinesis and DynamoDB Streams mappings moto holds, and the records of each shard as the poller reads them.

moto keeps a Kinesis shard's records in order of sequence number (`Shard.records`) and a table's stream records in
one shard (`Table.stream_shard.items`); both are read here, never changed. A record's key decides which of a
shard's parallel lanes it goes through (ParallelizationFactor): the partition key for Kinesis, the item's key for
DynamoDB, so that the records of one key stay in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.dynamodb.models import dynamodb_backends
from moto.kinesis.models import kinesis_backends

from localaws.facts import value

KINESIS, DYNAMODB = "kinesis", "dynamodb"


def _epoch(moment: Any) -> float:
    """moto's timestamps are naive datetimes in UTC; seconds since the epoch."""
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return float(moment)


@dataclass(frozen=True)
class SourceRecord:
    """One record of a shard: its sequence number, the key that orders it, when moto stored it, moto's object."""

    sequence_number: str
    key: str
    stored_at: float  # real time, seconds since the epoch
    raw: Any  # moto's kinesis Record, or its DynamoDB StreamRecord

    @property
    def seq(self) -> int:
        return int(self.sequence_number)


def _kinesis_record(record: Any) -> SourceRecord:
    return SourceRecord(str(record.sequence_number), record.partition_key, _epoch(record.created_at), record)


def _dynamodb_record(record: Any) -> SourceRecord:
    change = record.record["dynamodb"]
    return SourceRecord(str(change["SequenceNumber"]), json.dumps(change["Keys"], sort_keys=True),
                        _epoch(change["ApproximateCreationDateTime"]), record)


@dataclass(frozen=True)
class StreamMapping:
    """One mapping from a stream to a function, with the stream moto holds and the backend that owns the mapping."""

    mapping: Any  # moto's EventSourceMapping
    functions: Any  # the LambdaBackend that owns it
    kind: str  # KINESIS or DYNAMODB
    source: Any  # moto's kinesis Stream, or the DynamoDB Table whose stream it is

    @property
    def uuid(self) -> str:
        return str(self.mapping.uuid)

    @property
    def stream_arn(self) -> str:
        return str(self.mapping.event_source_arn)

    def retention_s(self) -> float:
        """How long the stream keeps a record: the longest a failing record can hold its shard."""
        if self.kind == KINESIS:
            return float(self.source.retention_period_hours) * 3600
        return float(value("dynamodb_stream_retention_h")) * 3600

    def shard_ids(self) -> list[str]:
        if self.kind == KINESIS:
            return list(self.source.shards)
        shard = self.source.stream_shard
        return [shard.id] if shard is not None else []

    def records(self, shard_id: str) -> list[SourceRecord]:
        """Every record the shard holds, oldest first."""
        if self.kind == KINESIS:
            shard = self.source.shards.get(shard_id)
            return [_kinesis_record(record) for record in list(shard.records.values())] if shard else []
        shard = self.source.stream_shard
        return [_dynamodb_record(record) for record in list(shard.items)] if shard is not None else []


def _kinesis_stream(arn: str, account: str, region: str) -> Any:
    streams = kinesis_backends[account][region].streams
    return next((stream for stream in list(streams.values()) if stream.arn == arn), None)


def _dynamodb_table(arn: str, account: str, region: str) -> Any:
    """The table whose current stream the ARN (arn:...:table/NAME/stream/LABEL) names, if streaming."""
    resource = arn.split(":", 5)[5].split("/")
    name = resource[1] if len(resource) >= 4 else ""
    table = dynamodb_backends[account][region].tables.get(name)
    if table is None or not table.latest_stream_label:
        return None
    return table if f"{table.table_arn}/stream/{table.latest_stream_label}" == arn else None


def source_of(arn: str) -> tuple[str, Any] | None:
    """(KINESIS or DYNAMODB, moto's stream or table) for a stream ARN that exists, else None."""
    parts = arn.split(":", 5)  # a DynamoDB stream's label (a timestamp) has colons of its own
    if len(parts) != 6:
        return None
    service, region, account = parts[2], parts[3], parts[4]
    if service == KINESIS:
        stream = _kinesis_stream(arn, account, region)
        return (KINESIS, stream) if stream is not None else None
    if service == DYNAMODB and "/stream/" in arn:
        table = _dynamodb_table(arn, account, region)
        return (DYNAMODB, table) if table is not None else None
    return None


def stream_mappings() -> Iterator[StreamMapping]:
    """Every mapping whose source is an existing Kinesis stream or DynamoDB stream."""
    for regions in list(lambda_backends.values()):
        for backend in list(regions.values()):
            for mapping in list(backend._event_source_mappings.values()):
                found = source_of(mapping.event_source_arn)
                if found is not None:
                    yield StreamMapping(mapping, backend, found[0], found[1])
