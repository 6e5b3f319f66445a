"""Stops moto from invoking functions while a record is written to a stream, so that the poller does it.

moto 5.2's Kinesis `Stream.put_record` calls `LambdaBackend.send_kinesis_message` and DynamoDB's
`StreamShard.add` calls `LambdaBackend.send_dynamodb_items`, each invoking the function at once, one record (or
every record so far) per call, on the writer's thread. Both are replaced by a call that only wakes the poller;
returning nothing also keeps `StreamShard.add` from emptying the shard, so the records stay for the poller to read.
`EventSourceMapping.__init__` is wrapped to refuse a stream mapping whose execution role cannot read the stream
(`localaws.eventsources.streams.permissions`), and to note where each shard ends when the mapping is created, the
position StartingPosition LATEST reads from. Every attribute replaced here is declared in `localaws.seams`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from localaws import seams
from localaws.eventsources.streams import permissions
from localaws.eventsources.streams.sources import source_of

_KINESIS = "moto.awslambda.models:LambdaBackend.send_kinesis_message"
_DYNAMODB = "moto.awslambda.models:LambdaBackend.send_dynamodb_items"
_MAPPING = "moto.awslambda.models:EventSourceMapping.__init__"
_listener: Callable[[], None] | None = None
_latest: dict[tuple[str, str], int] = {}  # (mapping UUID, shard ID) -> last sequence number when it was created
_latest_lock = threading.Lock()


def _wake() -> None:
    listener = _listener
    if listener is not None:
        listener()


def _send_kinesis_message(self: Any, function_name: str, kinesis_stream: str, kinesis_partition_key: str,
                          kinesis_sequence_number: str, kinesis_data: str, kinesis_shard_id: str) -> None:
    """Replacement for moto's LambdaBackend.send_kinesis_message: wake the poller, invoke nothing here."""
    _wake()


def _send_dynamodb_items(self: Any, function_arn: str, items: list[Any], source: str) -> None:
    """Replacement for moto's LambdaBackend.send_dynamodb_items: wake the poller; None keeps the shard's records."""
    _wake()


def _ends(mapping: Any) -> dict[str, int]:
    """The last sequence number of each shard of the mapping's stream, now."""
    found = source_of(str(mapping.event_source_arn))
    if found is None:
        return {}
    kind, source = found
    if kind == "kinesis":
        return {shard_id: shard.get_max_sequence_number() for shard_id, shard in list(source.shards.items())}
    shard = source.stream_shard
    if shard is None:
        return {}
    numbers = [int(item.record["dynamodb"]["SequenceNumber"]) for item in list(shard.items)]
    return {shard.id: max(numbers, default=0)}


def _mapping_init(self: Any, spec: dict[str, Any]) -> None:
    """moto's EventSourceMapping.__init__, after the stream role check, noting where each shard ends."""
    refusal = permissions.refusal(spec)
    if refusal is not None:
        raise refusal
    seams.original(_MAPPING)(self, spec)
    ends = _ends(self)
    with _latest_lock:
        _latest.update({(str(self.uuid), shard_id): end for shard_id, end in ends.items()})


def latest_position(mapping_uuid: str, shard_id: str) -> int | None:
    """Where LATEST starts for a shard: the last sequence number when the mapping was created (None if unknown)."""
    with _latest_lock:
        return _latest.get((mapping_uuid, shard_id))


def listen(callback: Callable[[], None] | None) -> None:
    """Call `callback` (or nothing, for None) whenever a record is written to a stream that has a mapping."""
    global _listener
    _listener = callback


def install() -> None:
    """Replace moto's stream sends and wrap EventSourceMapping's constructor (idempotent)."""
    seams.verify()
    if seams.is_patched(_KINESIS):
        return
    seams.patch(_KINESIS, _send_kinesis_message)
    seams.patch(_DYNAMODB, _send_dynamodb_items)
    # functools.wraps keeps moto's own code reachable (inspect.unwrap) behind the wrapper
    seams.patch(_MAPPING, functools.wraps(seams.original(_MAPPING))(_mapping_init))


def uninstall() -> None:
    """Give moto back its own methods."""
    for target in (_KINESIS, _DYNAMODB, _MAPPING):
        seams.restore(target)
