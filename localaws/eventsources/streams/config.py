"""A stream mapping's settings as the poller uses them, with Lambda's defaults for the ones left unset.

https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html: MaximumRetryAttempts and
MaximumRecordAgeInSeconds default to -1 (retry until the record leaves the stream), ParallelizationFactor to 1,
MaximumBatchingWindowInSeconds to 0, BisectBatchOnFunctionError to false.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from localaws.eventsources.batch_response import REPORT_BATCH_ITEM_FAILURES

UNLIMITED = -1  # the API's value for "no limit" in MaximumRetryAttempts and MaximumRecordAgeInSeconds


def _number(found: Any, default: float) -> float:
    return default if found is None else float(found)


def _timestamp(found: Any) -> float | None:
    """StartingPositionTimestamp as moto keeps it (a number, or a datetime), in seconds since the epoch."""
    if found is None:
        return None
    return found.timestamp() if isinstance(found, datetime) else float(found)


@dataclass(frozen=True)
class StreamConfig:
    """The settings of one mapping that decide how its shards are read and its failures handled."""

    batch_size: int
    window_s: float
    parallelization: int
    bisect: bool
    max_retries: int  # UNLIMITED, or how many times a failed batch is retried
    max_age_s: float  # UNLIMITED, or how old a record may be before it is discarded
    report_failures: bool
    on_failure: str | None  # the ARN of the on-failure destination, if any
    starting_position: str
    starting_timestamp: float | None

    def age_limit(self, retention_s: float) -> float:
        """The age at which a record is given up: the configured maximum, or the stream's retention."""
        return retention_s if self.max_age_s == UNLIMITED else min(self.max_age_s, retention_s)

    def retries_exhausted(self, attempts: int) -> bool:
        """Whether a batch that has failed `attempts` times (the first try included) may not be tried again."""
        return self.max_retries != UNLIMITED and attempts > self.max_retries


def config_of(mapping: Any) -> StreamConfig:
    """Read a moto EventSourceMapping (its values may change with UpdateEventSourceMapping, so read per poll)."""
    destination = ((mapping.destination_config or {}).get("OnFailure") or {}).get("Destination")
    return StreamConfig(
        batch_size=int(mapping.batch_size),
        window_s=_number(mapping.max_batch_window, 0),
        parallelization=max(1, int(_number(mapping.parallelization_factor, 1))),
        bisect=bool(mapping.bisect_on_error),
        max_retries=int(_number(mapping.max_retry_attempts, UNLIMITED)),
        max_age_s=_number(mapping.max_record_age, UNLIMITED),
        report_failures=REPORT_BATCH_ITEM_FAILURES in (mapping.function_response_types or []),
        on_failure=destination or None,
        starting_position=str(mapping.starting_position or "TRIM_HORIZON"),
        starting_timestamp=_timestamp(mapping.starting_position_timestamp),
    )
