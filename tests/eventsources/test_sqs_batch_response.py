"""Lambda's rules for a function's answer to an SQS batch, without running a function."""

from __future__ import annotations

import json

import pytest

from localaws.eventsources.batch_response import messages_to_keep
from localaws.eventsources.sqs_event import message_attributes

IDS = {"m-1", "m-2", "m-3"}
PARTIAL = ["ReportBatchItemFailures"]


def keep(answer, response_types=PARTIAL, error=None):
    payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    return messages_to_keep(error, payload, IDS, response_types)


@pytest.mark.parametrize("answer", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None},
                                    {"status": "done"}, b""])
def test_answers_that_mean_full_success(answer):
    assert keep(answer) == (set(), "ok")


def test_reported_items_are_kept():
    answer = {"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]}
    assert keep(answer) == ({"m-2", "m-3"}, "partial")


@pytest.mark.parametrize("answer", [
    {"batchItemFailures": [{"itemIdentifier": "m-9"}]},
    {"batchItemFailures": [{"itemIdentifier": ""}]},
    {"batchItemFailures": [{"itemIdentifier": None}]},
    {"batchItemFailures": [{"messageId": "m-1"}]},
    {"batchItemFailures": ["m-1"]},
    {"batchItemFailures": "m-1"},
    b"not json {",
    ["m-1"],
], ids=["unknown-id", "empty-id", "null-id", "wrong-key", "bare-string-item", "not-a-list", "not-json", "list"])
def test_malformed_answers_fail_the_whole_batch(answer):
    assert keep(answer) == (IDS, "invalid_response")


def test_a_function_error_keeps_everything_whatever_it_returned():
    answer = {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert keep(answer, error="Unhandled") == (IDS, "function_error")
    assert keep(answer, response_types=None, error="Unhandled") == (IDS, "function_error")


def test_without_report_batch_item_failures_the_answer_is_ignored():
    assert keep({"batchItemFailures": [{"itemIdentifier": "m-1"}]}, response_types=None) == (set(), "ok")
    assert keep(b"not json {", response_types=[]) == (set(), "ok")


def test_message_attributes_use_the_event_spelling():
    converted = message_attributes({
        "raw": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
        "text": {"DataType": "String.custom", "StringValue": "hi"},
    })
    assert converted == {
        "raw": {"binaryValue": "AQI=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
        "text": {"stringValue": "hi", "stringListValues": [], "binaryListValues": [], "dataType": "String.custom"},
    }
