"""Invalid patterns are refused with the service's own explanation."""

from __future__ import annotations

import pytest

from localaws.eventbridge import InvalidEventPattern, validate_pattern

REFUSED = [
    ('{"a": ["b"]', "Filter is not valid JSON"),
    ('["a"]', "Filter is not an object"),
    ({}, "Empty objects are not allowed"),
    ({"a": {}}, "Empty objects are not allowed"),
    ({"a": "b"}, '"a" must be an object or an array'),
    ({"a": []}, "Empty arrays are not allowed"),
    ({"a": [["b"]]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{}]}, "Match expression name not found"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
    ({"a": [{"EXISTS": True}]}, "Unrecognized match type EXISTS"),
    ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"prefix": 1}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": ["x"]}]}, "suffix match pattern must be a string"),
    ({"a": [{"prefix": {"wildcard": "x"}}]}, "Unsupported prefix pattern: wildcard"),
    ({"a": [{"suffix": {"equals-ignore-case": 3}}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"equals-ignore-case": None}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"numeric": 5}]}, "Value of numeric must be an array."),
    ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"a": [{"numeric": [5]}]}, "Invalid member in numeric match: 5"),
    ({"a": [{"numeric": ["!=", 5]}]}, "Unrecognized numeric range operator: !="),
    ({"a": [{"numeric": ["=", "5"]}]}, "Value of equals must be numeric"),
    ({"a": [{"numeric": ["<", 5, ">", 1]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": [">", 0, ">", 0]}]}, "Bad numeric range operator: >"),
    ({"a": [{"numeric": [">", 0, 5]}]}, "Bad value in numeric range: 5"),
    ({"a": [{"numeric": [">", 0, "<"]}]}, "Value of < must be numeric"),
    ({"a": [{"numeric": [">", 0, "<", 5, 6]}]}, "Too many terms in numeric range expression"),
    ({"a": [{"numeric": [">", 5, "<", 5]}]}, "Bottom must be less than top"),
    ({"a": [{"anything-but": None}]}, "anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": [True]}]}, "Inside anything but list, start|null|boolean is not supported."),
    ({"a": [{"anything-but": ["x", 1]}]}, "all values are number or string, mixed type is not supported"),
    ({"a": [{"anything-but": {"numeric": [">", 1]}}]}, "Unsupported anything-but pattern: numeric"),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
    ({"a": [{"anything-but": {"suffix": [".txt", 3]}}]}, "prefix/suffix match pattern must be a string"),
    (
        {"a": [{"anything-but": {"equals-ignore-case": [1]}}]},
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
    ),
    ({"a": [{"anything-but": {"wildcard": 1}}]}, "wildcard match pattern must be a string"),
    ({"a": [{"cidr": 10}]}, "prefix match pattern must be a string"),
    ({"a": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
    ({"a": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"a": [{"cidr": "10.0.0.0/-1"}]}, "Malformed CIDR, mask bits must not be negative"),
    ({"a": [{"cidr": "10.0.0.0/32"}]}, "IPv4 mask bits must be < 32"),
    ({"a": [{"cidr": "::/128"}]}, "IPv6 mask bits must be < 128"),
    ({"a": [{"cidr": "bad/8"}]}, "Nonstandard IP address: bad"),
    ({"a": [{"cidr": "10.0.0.300/8"}]}, "Invalid IP address: 10.0.0.300"),
    ({"a": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters at pos 2"),
    ({"a": [{"wildcard": "ab\\c"}]}, "Invalid escape character at pos 3"),
    ({"$or": {"a": ["b"]}}, "It must be an Array followed with $or."),
    ({"$or": [{"a": ["b"]}, "c"]}, "Only JSON object is allowed in array of $or relationship."),
    ({"$or": [{"a": ["b"]}]}, "There must have at least 2 Objects in $or relationship."),
    ({"$or": [{"prefix": ["b"]}, {"a": ["c"]}]}, "prefix is Ruler reserved fieldName which cannot be used"),
]


@pytest.mark.parametrize(("pattern", "reason"), REFUSED, ids=[reason for _, reason in REFUSED])
def test_refused_with_the_service_wording(pattern, reason: str) -> None:
    with pytest.raises(InvalidEventPattern) as caught:
        validate_pattern(pattern)
    assert reason in caught.value.reason
    assert str(caught.value) == f"Event pattern is not valid. Reason: {caught.value.reason}"


ACCEPTED = [
    {"a": ["b", 1, 1.5, True, None, ""]},
    {"a": [{"prefix": {"equals-ignore-case": "X"}}, {"suffix": {"equals-ignore-case": "y"}}]},
    {"a": [{"numeric": [">=", 0, "<", 10]}, {"numeric": ["=", 3]}, {"numeric": ["<=", -1]}]},
    {"a": [{"anything-but": {"prefix": ["x", "y"]}}, {"anything-but": {"wildcard": ""}}]},
    {"a": [{"anything-but": [1, 2.5]}, {"anything-but": "x"}, {"anything-but": {"equals-ignore-case": "q"}}]},
    {"a": [{"cidr": "10.0.0.7/31"}, {"cidr": "2001:db8::/32"}]},
    {"a": [{"wildcard": "a\\*b\\\\c*"}]},
    {"a": {"b.c": [{"exists": False}]}, "$or": [{"d": ["e"]}, {"$or": [{"f": ["g"]}, {"h": ["i"]}]}]},
]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepts_valid_patterns(pattern) -> None:
    validate_pattern(pattern)
