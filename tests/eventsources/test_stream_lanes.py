"""The per-lane rules without a sandbox: batches in order, the window, splitting, checkpoints, partial answers.

https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html and
https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from localaws.eventsources.streams.config import UNLIMITED, StreamConfig
from localaws.eventsources.streams.failures import verdict
from localaws.eventsources.streams.lanes import Lane
from localaws.eventsources.streams.sources import SourceRecord

CONFIG = StreamConfig(batch_size=3, window_s=0, parallelization=1, bisect=False, max_retries=UNLIMITED,
                      max_age_s=UNLIMITED, report_failures=True, on_failure=None, starting_position="TRIM_HORIZON",
                      starting_timestamp=None)


def _records(count: int) -> list[SourceRecord]:
    return [SourceRecord(str(n), "key", 0.0, None) for n in range(1, count + 1)]


def _numbers(batch: list[SourceRecord] | None) -> list[int] | None:
    return None if batch is None else [record.seq for record in batch]


def test_batches_follow_the_checkpoint_in_order():
    lane, records = Lane(checkpoint=0), _records(5)
    assert _numbers(lane.next_batch(records, 0, CONFIG, now=0)) == [1, 2, 3]
    assert _numbers(lane.next_batch(records, 0, CONFIG, now=0)) == [1, 2, 3]  # unfinished: the same batch again
    lane.finish(3)
    assert lane.checkpoint == 3 and _numbers(lane.next_batch(records, 0, CONFIG, now=0)) == [4, 5]


def test_the_window_counts_on_the_clock_given():
    lane, records, config = Lane(checkpoint=0), _records(2), replace(CONFIG, window_s=30)
    assert lane.next_batch(records, 0, config, now=100) is None
    assert lane.next_batch(records, 0, config, now=129) is None
    assert _numbers(lane.next_batch(records, 0, config, now=130)) == [1, 2]


def test_a_paused_or_busy_lane_gives_nothing():
    lane, records = Lane(checkpoint=0, resume_at=50), _records(1)
    assert lane.next_batch(records, 0, CONFIG, now=49) is None
    lane.in_flight = True
    assert lane.next_batch(records, 0, CONFIG, now=60) is None


def test_split_puts_two_halves_first_with_a_fresh_count():
    lane = Lane(checkpoint=0)
    lane.next_batch(_records(5), 0, replace(CONFIG, batch_size=5), now=0)
    lane.attempts = 2
    lane.split()
    assert [_numbers(batch) for batch in lane.batches] == [[1, 2, 3], [4, 5]] and lane.attempts == 0


@pytest.mark.parametrize(("answer", "done", "outcome"), [
    (None, 4, "ok"),
    ({}, 4, "ok"),
    ({"batchItemFailures": []}, 4, "ok"),
    ({"batchItemFailures": [{"itemIdentifier": "4"}, {"itemIdentifier": "2"}]}, 1, "partial"),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, 0, "invalid_response"),
    ({"batchItemFailures": [{"itemIdentifier": None}]}, 0, "invalid_response"),
    ({"batchItemFailures": [{"sequenceNumber": "2"}]}, 0, "invalid_response"),
    ({"batchItemFailures": [{"itemIdentifier": "99"}]}, 0, "invalid_response"),
])
def test_partial_answers_checkpoint_before_the_lowest_failure(answer, done, outcome):
    result = verdict(None, json.dumps(answer).encode(), _records(4), report_failures=True)
    assert (result.done, result.outcome) == (done, outcome)


def test_without_report_batch_item_failures_only_the_error_counts():
    answer = json.dumps({"batchItemFailures": [{"itemIdentifier": "1"}]}).encode()
    assert verdict(None, answer, _records(2), report_failures=False).outcome == "ok"
    assert verdict("Unhandled", b"{}", _records(2), report_failures=True).outcome == "function_error"
