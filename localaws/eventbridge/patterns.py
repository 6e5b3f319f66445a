"""EventBridge content filtering: does an event pattern match an event, exactly as the service decides."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from localaws.eventbridge import addresses, wildcards
from localaws.eventbridge.validation import OR, load_pattern

Predicate = Callable[[Any], bool]
# Which element of which array a value came from: ((array id, index), ...). Values drawn from different
# elements of the same array never combine into one match.
Membership = tuple[tuple[int, int], ...]
FlatEvent = dict[str, list[tuple[Any, Membership]]]


def matches(pattern: dict[str, Any] | str, event: dict[str, Any] | str) -> bool:
    """Whether `event` matches `pattern` (dicts or JSON text); a bad pattern raises InvalidEventPattern."""
    return _compile_text(pattern if isinstance(pattern, str) else json.dumps(pattern)).matches(event)


@lru_cache(maxsize=256)
def _compile_text(pattern: str) -> CompiledPattern:
    """Compile each distinct pattern once, since a rule's pattern is matched against many events."""
    return compile_pattern(pattern)


def compile_pattern(pattern: dict[str, Any] | str) -> CompiledPattern:
    """Check `pattern` and turn it into a matcher that can be reused for many events."""
    branches = tuple(
        tuple(_field_test(path, conditions) for path, conditions in branch.items())
        for branch in _branches(load_pattern(pattern), "")
    )
    return CompiledPattern(branches, frozenset(_prefixes(branches)))


@dataclass(frozen=True)
class FieldTest:
    """What one field of the event must satisfy: any of `predicates` on some value, or absence if allowed."""

    path: str
    predicates: tuple[Predicate, ...]
    absent_ok: bool

    def accepts(self, value: Any) -> bool:
        """Whether one value of the field satisfies any of the field's conditions."""
        return any(predicate(value) for predicate in self.predicates)


@dataclass(frozen=True)
class CompiledPattern:
    """A checked pattern, as alternative branches (from `$or`) of field tests that must all hold."""

    branches: tuple[tuple[FieldTest, ...], ...]
    wanted: frozenset[str]

    def matches(self, event: dict[str, Any] | str) -> bool:
        """Whether `event` (a dict or JSON text) matches; anything but a JSON object never matches."""
        if isinstance(event, str):
            try:
                event = json.loads(event)
            except json.JSONDecodeError:
                return False
        if not isinstance(event, dict):
            return False
        flat = flatten_event(event, self.wanted)
        return any(_branch_matches(branch, flat) for branch in self.branches)


def _branches(node: dict[str, Any], path: str) -> list[dict[str, list[Any]]]:
    """Expand nested objects and `$or` into flat alternatives: {dotted path: list of conditions}."""
    results: list[dict[str, list[Any]]] = [{}]
    for key, value in node.items():
        if key == OR:
            options = [option for branch in value for option in _branches(branch, path)]
        elif isinstance(value, dict):
            options = _branches(value, f"{path}.{key}" if path else key)
        else:
            options = [{f"{path}.{key}" if path else key: value}]
        results = [{**result, **option} for result in results for option in options]
    return results


def _prefixes(branches: tuple[tuple[FieldTest, ...], ...]) -> Iterator[str]:
    """Every path the pattern tests and every dotted prefix of one, so flattening can skip the rest."""
    for branch in branches:
        for test in branch:
            parts = test.path.split(".")
            for end in range(1, len(parts) + 1):
                yield ".".join(parts[:end])


def flatten_event(event: dict[str, Any], wanted: frozenset[str] | None = None) -> FlatEvent:
    """The event's leaf values by dotted path, each with the array elements it sits in.

    Keys that themselves contain dots join the same way, as in the service. Empty arrays and objects have
    no leaves, so a field holding one counts as absent.
    """
    flat: FlatEvent = {}
    _flatten(event, "", (), flat, wanted, itertools.count())
    return flat


def _flatten(
    node: Any,
    path: str,
    member: Membership,
    flat: FlatEvent,
    wanted: frozenset[str] | None,
    counter: Iterator[int],
) -> None:
    """Walk one node of the event, recording leaves under `path`."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if wanted is None or child in wanted:
                _flatten(value, child, member, flat, wanted, counter)
    elif isinstance(node, list):
        array = next(counter)
        for index, item in enumerate(node):
            nested = isinstance(item, (dict, list))
            _flatten(item, path, member + ((array, index),) if nested else member, flat, wanted, counter)
    else:
        flat.setdefault(path, []).append((node, member))


def _branch_matches(branch: tuple[FieldTest, ...], flat: FlatEvent) -> bool:
    """Whether every field test holds, with values that come from consistent array elements."""
    choices: list[set[Membership]] = []
    for test in branch:
        values = flat.get(test.path)
        if not values:
            if test.absent_ok:
                continue
            return False
        options = {member for value, member in values if test.accepts(value)}
        if not options:
            return False
        choices.append(options)
    if all(() in options for options in choices):
        return True
    return _consistent(sorted(choices, key=len), {})


def _consistent(choices: list[set[Membership]], chosen: dict[int, int]) -> bool:
    """Whether one membership per field can be picked so that each array contributes a single element."""
    if not choices:
        return True
    for member in choices[0]:
        if all(chosen.get(array, index) == index for array, index in member):
            if _consistent(choices[1:], {**chosen, **dict(member)}):
                return True
    return False


def _field_test(path: str, conditions: list[Any]) -> FieldTest:
    """Compile one field's list of conditions (any one of which may hold)."""
    absent_ok = any(isinstance(c, dict) and c.get("exists") is False for c in conditions)
    predicates = tuple(
        _predicate(c) for c in conditions if not (isinstance(c, dict) and c.get("exists") is False)
    )
    return FieldTest(path, predicates, absent_ok)


def _predicate(condition: Any) -> Predicate:
    """A test on one event value for one condition from the pattern."""
    if isinstance(condition, dict):
        name, operand = next(iter(condition.items()))
        return _OPERATORS[name](operand)
    return _equals(condition)


def _is_number(value: Any) -> bool:
    """A JSON number (Python's bool is an int, but not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equals(expected: Any) -> Predicate:
    """Exact match: same type and value; numbers compare by value (300 equals 300.0), addresses by address."""
    if isinstance(expected, str):
        address = addresses.parse_ip(expected)
        if address is None:
            return lambda value: value == expected and isinstance(value, str)
        return lambda value: (
            isinstance(value, str) and (value == expected or addresses.parse_ip(value) == address)
        )
    if _is_number(expected):
        return lambda value: _is_number(value) and value == expected
    return lambda value: value is expected


def _text_test(operand: Any, test: Callable[[str, str], bool]) -> Predicate:
    """A string-only test, with {"equals-ignore-case": ...} turning it case-insensitive."""
    if isinstance(operand, dict):
        folded = operand["equals-ignore-case"].lower()
        return lambda value: isinstance(value, str) and test(value.lower(), folded)
    return lambda value: isinstance(value, str) and test(value, operand)


def _ignore_case(operand: str) -> Predicate:
    """equals-ignore-case: a string equal to the operand apart from letter case."""
    folded = operand.lower()
    return lambda value: isinstance(value, str) and value.lower() == folded


def _wildcard(operand: str) -> Predicate:
    """wildcard: a string the operand matches in full, `*` standing for any run of characters."""
    regex = wildcards.compile_regex(operand)
    return lambda value: isinstance(value, str) and regex.fullmatch(value) is not None


def _numeric(operand: list[Any]) -> Predicate:
    """numeric: a JSON number (not a numeric string) within every comparison given."""
    comparisons = [(operand[i], operand[i + 1]) for i in range(0, len(operand), 2)]
    return lambda value: _is_number(value) and all(_COMPARE[op](value, bound) for op, bound in comparisons)


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _cidr(operand: str) -> Predicate:
    """cidr: a string holding an address of the same family inside the range."""
    width, low, high = addresses.parse_cidr(operand)

    def inside(value: Any) -> bool:
        address = addresses.parse_ip(value) if isinstance(value, str) else None
        return address is not None and address[0] == width and low <= address[1] <= high

    return inside


def _anything_but(operand: Any) -> Predicate:
    """anything-but: any present value (of any type, null included) that the excluded condition rejects."""
    if isinstance(operand, dict):
        kind, values = next(iter(operand.items()))
        excluded = [_NEGATABLE[kind](v) for v in (values if isinstance(values, list) else [values])]
    else:
        excluded = [_equals(v) for v in (operand if isinstance(operand, list) else [operand])]
    return lambda value: not any(test(value) for test in excluded)


_NEGATABLE: dict[str, Callable[[str], Predicate]] = {
    "equals-ignore-case": _ignore_case,
    "prefix": lambda operand: _text_test(operand, str.startswith),
    "suffix": lambda operand: _text_test(operand, str.endswith),
    "wildcard": _wildcard,
}

_OPERATORS: dict[str, Callable[[Any], Predicate]] = {
    **_NEGATABLE,
    "numeric": _numeric,
    "cidr": _cidr,
    "anything-but": _anything_but,
    "exists": lambda operand: lambda value: True,  # exists: false never reaches here (see _field_test)
}
