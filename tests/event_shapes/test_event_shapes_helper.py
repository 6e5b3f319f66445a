"""The shape comparison the event tests rely on finds each kind of difference, and only those allowed pass."""

from __future__ import annotations

import copy

import pytest
from shape_support import DOCUMENTED, Allowances, differences, documented, form_of

EXAMPLE = {
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "time": "2019-09-03T19:37:27.192Z",
    "sent": "1545082649183",
    "epoch": 1583349317135,
    "arn": "arn:aws:sqs:us-east-2:123456789012:my-queue",
    "size": 1024,
    "flag": False,
    "headers": {"header1": "value1"},
    "items": [{"name": "a"}],
    "nothing": None,
}


def _changed(path: str, value: object) -> dict:
    event = copy.deepcopy(EXAMPLE)
    event[path] = value
    return event


def test_an_identical_event_has_no_differences():
    assert differences(copy.deepcopy(EXAMPLE), EXAMPLE) == []


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("id", "not-a-uuid", "id: 'not-a-uuid' is not a UUID"),
    ("time", "2019-09-03T19:37:27Z", "time: '2019-09-03T19:37:27Z' is not an ISO-8601 UTC time with milliseconds"),
    ("sent", 1545082649183, "sent: integer 1545082649183, documented as string"),
    ("epoch", 1583349317, "epoch: 1583349317 is not epoch milliseconds"),
    ("arn", "arn:aws:sns:us-east-1:123456789012:topic", "arn: 'arn:aws:sns:us-east-1:123456789012:topic' is not an "
                                                       "ARN of sqs"),
    ("size", 1024.0, "size: float 1024.0, documented as integer"),
    ("flag", 0, "flag: integer 0, documented as boolean"),
    ("nothing", {}, "nothing: object {}, documented as null"),
])
def test_a_wrong_type_or_form_is_reported(key, value, expected):
    [found] = differences(_changed(key, value), EXAMPLE)
    assert found.startswith(expected), found


def test_missing_and_extra_keys_are_reported_unless_allowed():
    event = copy.deepcopy(EXAMPLE)
    del event["size"]
    event["surprise"] = 1
    event["items"][0]["more"] = "x"
    assert differences(event, EXAMPLE) == ["items[].more: not in the documented event", "size: missing",
                                           "surprise: not in the documented event"]
    allowed = Allowances(optional=frozenset({"size"}), extra=frozenset({"surprise", "items[].more"}))
    assert differences(event, EXAMPLE, allowed) == []


def test_maps_compare_values_not_keys_and_nullable_takes_null():
    event = _changed("headers", {"Other": "x", "Bad": 3})
    assert differences(event, EXAMPLE) == ["headers.Bad: not in the documented event", "headers.Other: not in the "
                                           "documented event", "headers.header1: missing"]
    assert differences(event, EXAMPLE, Allowances(maps=frozenset({"headers"}))) == [
        "headers.*: integer 3, documented as string"]
    assert differences(_changed("nothing", {"a": 1}), EXAMPLE, Allowances(nullable=frozenset({"nothing"}))) == []


def test_every_element_of_an_array_is_compared():
    assert differences(_changed("items", [{"name": "a"}, {"name": 2}]), EXAMPLE) == [
        "items[].name: integer 2, documented as string"]


def test_forms_are_recognised_from_the_documented_values():
    assert form_of("arn:aws:s3:::bucket").name == "an ARN of s3"
    assert form_of("04/Mar/2020:19:15:17 +0000").name.startswith("a request time")
    assert form_of("0C0F6F405D6ED209E1").name == "upper-case hexadecimal"
    assert form_of("Hello from SNS!") is None


def test_every_documented_example_is_stored_as_json_and_listed_with_its_page():
    listing = (DOCUMENTED / "README.md").read_text()
    files = sorted(path.stem for path in DOCUMENTED.glob("*.json"))
    assert len(files) == 10
    for name in files:
        assert documented(name) and f"`{name}.json` | https://docs.aws.amazon.com/" in listing
