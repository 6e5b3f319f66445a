"""Matching behaviour beyond the corpus, each checked against what the service's rule engine answers."""

from __future__ import annotations

import pytest

from localaws.eventbridge import compile_pattern, matches
from localaws.eventbridge.wildcards import estimate_complexity

CASES = [
    # Values from different elements of one array never combine into one match.
    ({"a": {"b": [1], "c": [4]}}, {"a": [{"b": 1, "c": 2}, {"b": 3, "c": 4}]}, False),
    ({"a": {"b": [3], "c": [4]}}, {"a": [{"b": 1, "c": 2}, {"b": 3, "c": 4}]}, True),
    ({"a": {"b": [1]}, "d": [5]}, {"a": [{"b": 1}], "d": [4, 5]}, True),
    # Types are strict: numbers compare by value, strings and booleans never equal numbers.
    ({"n": [300]}, {"n": 300.0}, True),
    ({"n": [300]}, {"n": "300"}, False),
    ({"n": ["300"]}, {"n": 300}, False),
    ({"n": [1]}, {"n": True}, False),
    ({"n": [True]}, {"n": True}, True),
    ({"n": [{"numeric": [">", 0]}]}, {"n": True}, False),
    # anything-but: any present value of another type passes; a missing field never does.
    ({"n": [{"anything-but": 123}]}, {"n": "123"}, True),
    ({"n": [{"anything-but": "123"}]}, {"n": 123}, True),
    ({"n": [{"anything-but": [1, 2]}]}, {"n": 2.0}, False),
    ({"n": [{"anything-but": {"suffix": "x"}}]}, {"n": None}, True),
    ({"n": [{"anything-but": "x"}]}, {"m": "y"}, False),
    # exists works on leaves only; an object or an empty array is not a value.
    ({"a": [{"exists": False}]}, {"a": {"b": 1}}, True),
    ({"a": [{"exists": True}]}, {"a": []}, False),
    ({"a": [{"exists": True}]}, {"a": None}, True),
    # Addresses: an exact address matches any spelling of it; a cidr range starts at its network address.
    ({"ip": ["2001:db8::1"]}, {"ip": "2001:0db8:0:0:0:0:0:1"}, True),
    ({"ip": ["10.0.0.1"]}, {"ip": "::ffff:a00:1"}, True),
    ({"ip": [{"cidr": "10.0.0.8/24"}]}, {"ip": "10.0.0.7"}, True),
    ({"ip": [{"cidr": "10.0.0.8/29"}]}, {"ip": "10.0.0.16"}, False),
    ({"ip": [{"cidr": "10.0.0.8/29"}]}, {"ip": "10.0.0.15"}, True),
    ({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "::ffff:10.0.0.1"}, False),
    # Case-insensitive prefix and suffix; wildcard escapes.
    ({"s": [{"prefix": {"equals-ignore-case": "EvEnT"}}]}, {"s": "eventbridge"}, True),
    ({"s": [{"suffix": {"equals-ignore-case": ".PNG"}}]}, {"s": "a.png"}, True),
    ({"s": [{"wildcard": "a\\*b*"}]}, {"s": "a*bcd"}, True),
    ({"s": [{"wildcard": "a\\*b*"}]}, {"s": "axbcd"}, False),
    ({"s": [{"wildcard": "a*b"}]}, {"s": "a\nb"}, True),
    # $or, nested inside an object and at the top.
    ({"d": {"$or": [{"x": [1]}, {"y": [2]}]}}, {"d": {"y": 2}}, True),
    ({"d": {"$or": [{"x": [1]}, {"y": [2]}]}, "e": ["z"]}, {"d": {"y": 2}}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), CASES)
def test_matches_like_the_service(pattern: dict, event: dict, expected: bool) -> None:
    assert matches(pattern, event) is expected


def test_events_that_are_not_objects_never_match() -> None:
    compiled = compile_pattern({"a": [{"exists": False}]})
    assert compiled.matches("{}") is True
    assert compiled.matches("[1]") is False
    assert compiled.matches("not json") is False


def test_a_compiled_pattern_gives_the_same_answers_as_matches() -> None:
    pattern = {"detail": {"state": [{"anything-but": ["stopped"]}]}}
    compiled = compile_pattern(pattern)
    for state, expected in (("running", True), ("stopped", False)):
        event = {"detail": {"state": state}}
        assert compiled.matches(event) is matches(pattern, event) is expected


def test_wildcard_complexity_grows_with_repeats_after_a_star() -> None:
    assert estimate_complexity(["*.png"], cap=100) < estimate_complexity(["*aaaaaaaaaa"], cap=100)
    assert estimate_complexity(["*/dir/*", "*/lib/*"], cap=100) > estimate_complexity(["*/dir/*"], cap=100)
    assert estimate_complexity(["*:*:*:*:*:*:*:*"], cap=12) == 12
