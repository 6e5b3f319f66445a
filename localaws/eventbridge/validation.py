"""Checks what EventBridge's PutRule checks: an event pattern, with the service's wording for each mistake, and a
schedule expression (read by `localaws.eventbridge.schedules`), refused with the one message the service gives."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from typing import Any, TypeGuard

from localaws.eventbridge import addresses, schedules, wildcards
from localaws.eventbridge.errors import InvalidEventPattern
from localaws.eventbridge.schedules import ScheduleError

__all__ = ["SCHEDULE_NOT_VALID", "InvalidEventPattern", "ScheduleError", "load_pattern", "validate_pattern",
           "validate_schedule"]

# PutRule's answer to any schedule expression it refuses (ValidationException), whatever is wrong with it.
SCHEDULE_NOT_VALID = "Parameter ScheduleExpression is not valid."

OR = "$or"
NUMERIC_OPERATORS = ("=", "<", "<=", ">", ">=")
_ANYTHING_BUT_KINDS = ("equals-ignore-case", "prefix", "suffix", "wildcard")
# Operator names that cannot be field names inside `$or`, because the engine reserves them.
_RESERVED_IN_OR = frozenset(
    "exact equals-ignore-case prefix suffix anything-but exists wildcard numeric cidr regex not-wildcard "
    "not-equals-ignore-case date-after date-on-or-after date-before date-on-or-before in-date-range "
    "ip-address-in-range ip-address-not-in-range".split()
) | frozenset(NUMERIC_OPERATORS)

Wildcards = dict[str, list[str]]


def validate_pattern(pattern: dict[str, Any] | str) -> None:
    """Raise InvalidEventPattern if EventBridge would reject `pattern` (a dict or its JSON text)."""
    load_pattern(pattern)


def validate_schedule(expression: str) -> None:
    """Raise ScheduleError, saying what is wrong, if EventBridge would refuse this ScheduleExpression."""
    schedules.parse(expression)


def load_pattern(pattern: dict[str, Any] | str) -> dict[str, Any]:
    """The pattern as a dict, after checking it; JSON text is parsed first."""
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except json.JSONDecodeError as error:
            raise InvalidEventPattern(f"Filter is not valid JSON: {error.msg}") from None
    if not isinstance(pattern, dict):
        raise InvalidEventPattern("Filter is not an object")
    found: Wildcards = defaultdict(list)
    _check_object(pattern, "", inside_or=False, found=found)
    for operands in found.values():
        wildcards.check_complexity(operands)
    return pattern


def _check_object(node: dict[str, Any], path: str, inside_or: bool, found: Wildcards) -> None:
    """Check one object of the pattern: every field holds an object, a list of match values, or `$or`."""
    if not node:
        raise InvalidEventPattern("Empty objects are not allowed")
    for key, value in node.items():
        if key == OR:
            _check_or(value, path, found)
            continue
        if inside_or and key in _RESERVED_IN_OR:
            raise InvalidEventPattern(f"{key} is Ruler reserved fieldName which cannot be used inside {OR}.")
        field = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            _check_object(value, field, inside_or, found)
        elif isinstance(value, list):
            _check_values(value, field, found)
        else:
            raise InvalidEventPattern(f'"{key}" must be an object or an array')


def _check_or(branches: Any, path: str, found: Wildcards) -> None:
    """`$or` takes a list of at least two objects."""
    if not isinstance(branches, list):
        raise InvalidEventPattern(f"It must be an Array followed with {OR}.")
    for branch in branches:
        if not isinstance(branch, dict):
            raise InvalidEventPattern(f"Only JSON object is allowed in array of {OR} relationship.")
        _check_object(branch, path, inside_or=True, found=found)
    if len(branches) < 2:
        raise InvalidEventPattern(f"There must have at least 2 Objects in {OR} relationship.")


def _check_values(values: list[Any], field: str, found: Wildcards) -> None:
    """A field's list holds plain JSON values and operator objects, and is not empty."""
    for value in values:
        if isinstance(value, dict):
            _check_expression(value, field, found)
        elif isinstance(value, list):
            raise InvalidEventPattern("Match value must be String, number, true, false, or null")
    if not values:
        raise InvalidEventPattern("Empty arrays are not allowed")


def _check_expression(expression: dict[str, Any], field: str, found: Wildcards) -> None:
    """Check one operator object such as {"prefix": "a"}; it has exactly one key."""
    if not expression:
        raise InvalidEventPattern("Match expression name not found")
    name, operand = next(iter(expression.items()))
    checker = _OPERATORS.get(name)
    if checker is None:
        raise InvalidEventPattern(f"Unrecognized match type {name}")
    checker(operand, field, found)
    if len(expression) > 1:
        # The service reports an extra key after numeric and anything-but in its numeric wording.
        numeric_wording = name in ("numeric", "anything-but")
        raise InvalidEventPattern(
            "Too many elements in numeric expression"
            if numeric_wording
            else "Only one key allowed in match expression"
        )


def _check_string_operand(name: str, operand: Any) -> None:
    """`prefix`, `suffix` and `equals-ignore-case` take a string."""
    if not isinstance(operand, str):
        raise InvalidEventPattern(f"{name} match pattern must be a string")


def _check_affix(name: str, operand: Any) -> None:
    """`prefix` and `suffix` take a string, or {"equals-ignore-case": string}."""
    if not isinstance(operand, dict):
        _check_string_operand(name, operand)
        return
    title = name.capitalize()
    if not operand:
        raise InvalidEventPattern(f"{title} expression name not found")
    inner, value = next(iter(operand.items()))
    if inner != "equals-ignore-case":
        raise InvalidEventPattern(f"Unsupported {name} pattern: {inner}")
    _check_string_operand("equals-ignore-case", value)
    if len(operand) > 1:
        raise InvalidEventPattern("Only one key allowed in match expression")


def _check_exists(operand: Any, field: str, found: Wildcards) -> None:
    """`exists` takes true or false."""
    if not isinstance(operand, bool):
        raise InvalidEventPattern("exists match pattern must be either true or false.")


def _check_cidr(operand: Any, field: str, found: Wildcards) -> None:
    """`cidr` takes a string naming an IPv4 or IPv6 range (the service words a non-string like a prefix)."""
    if not isinstance(operand, str):
        raise InvalidEventPattern("prefix match pattern must be a string")
    addresses.parse_cidr(operand)


def _check_wildcard(operand: Any, field: str, found: Wildcards) -> None:
    """`wildcard` takes a string with valid escapes; it also counts toward the field's complexity."""
    if not isinstance(operand, str):
        raise InvalidEventPattern("wildcard match pattern must be a string")
    found[field].append(operand)
    wildcards.parse(operand)


def _check_numeric(operand: Any, field: str, found: Wildcards) -> None:
    """`numeric` takes [op, n] or a range [">"|">=", low, "<"|"<=", high] with low below high."""
    if not isinstance(operand, list):
        raise InvalidEventPattern("Value of numeric must be an array.")
    terms = list(operand)
    operator = _numeric_operator(terms)
    low = _numeric_value(terms, "equals" if operator == "=" else operator)
    if not terms:
        return
    if operator not in (">", ">="):
        raise InvalidEventPattern("Too many elements in numeric expression")
    second = terms.pop(0)
    if not isinstance(second, str):
        raise InvalidEventPattern(f"Bad value in numeric range: {_text(second)}")
    if second not in ("<", "<="):
        raise InvalidEventPattern(f"Bad numeric range operator: {second}")
    high = _numeric_value(terms, second)
    if terms:
        raise InvalidEventPattern("Too many terms in numeric range expression")
    if not low < high:
        raise InvalidEventPattern("Bottom must be less than top")


def _numeric_operator(terms: list[Any]) -> str:
    """Take the first term of a numeric operand, which must name a comparison."""
    if not terms or not isinstance(terms[0], str):
        raise InvalidEventPattern(f"Invalid member in numeric match: {_text(terms[0]) if terms else ']'}")
    operator = terms.pop(0)
    if operator not in NUMERIC_OPERATORS:
        raise InvalidEventPattern(f"Unrecognized numeric range operator: {operator}")
    return operator


def _numeric_value(terms: list[Any], label: str) -> float:
    """Take the next term of a numeric operand, which must be a finite number."""
    value = terms.pop(0) if terms else None
    if not _is_number(value):
        raise InvalidEventPattern(f"Value of {label} must be numeric")
    if not math.isfinite(value):
        raise InvalidEventPattern(f"Cannot compare number : {_text(value)}")
    return value


def _check_anything_but(operand: Any, field: str, found: Wildcards) -> None:
    """`anything-but` takes a value, a list of values, or one of the operators it can negate."""
    if isinstance(operand, dict):
        _check_negated_operator(operand, field, found)
    elif isinstance(operand, list):
        _check_excluded_values(operand)
    elif not (isinstance(operand, str) or _is_number(operand)):
        raise InvalidEventPattern("Value of anything-but must be an array or single string/number value.")


def _check_excluded_values(values: list[Any]) -> None:
    """A plain anything-but list holds only strings or only numbers."""
    for value in values:
        if not (isinstance(value, str) or _is_number(value)):
            raise InvalidEventPattern("Inside anything but list, start|null|boolean is not supported.")
    kinds = {isinstance(value, str) for value in values}
    if len(kinds) != 1:
        raise InvalidEventPattern(
            "Inside anything but list, either all values are number or string, mixed type is not supported"
        )


def _check_negated_operator(operand: dict[str, Any], field: str, found: Wildcards) -> None:
    """anything-but over equals-ignore-case, prefix, suffix or wildcard: strings only, one key."""
    if not operand:
        raise InvalidEventPattern("Anything-But expression name not found")
    kind, value = next(iter(operand.items()))
    if kind not in _ANYTHING_BUT_KINDS:
        raise InvalidEventPattern(f"Unsupported anything-but pattern: {kind}")
    if not (isinstance(value, (str, list)) or _is_number(value)):
        raise InvalidEventPattern("Value of anything-but must be an array or single string/number value.")
    for item in value if isinstance(value, list) else [value]:
        _check_negated_value(kind, item, field, found)
    if len(operand) > 1:
        raise InvalidEventPattern("Too many elements in numeric expression")


def _check_negated_value(kind: str, value: Any, field: str, found: Wildcards) -> None:
    """One operand of a negated operator."""
    if not isinstance(value, str):
        raise InvalidEventPattern(
            _NEGATED_TYPE_ERRORS.get(kind, "prefix/suffix match pattern must be a string")
        )
    if kind in ("prefix", "suffix") and not value:
        raise InvalidEventPattern("Null prefix/suffix not allowed")
    if kind == "wildcard":
        found[field].append(value)
        wildcards.parse(value)


_NEGATED_TYPE_ERRORS = {
    "equals-ignore-case": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "wildcard": "wildcard match pattern must be a string",
}


def _is_number(value: Any) -> TypeGuard[int | float]:
    """A JSON number (Python's bool is an int, but not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    """How the service's parser prints a JSON token in its messages."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{"
    if isinstance(value, list):
        return "["
    return json.dumps(value)


_OPERATORS = {
    "prefix": lambda operand, field, found: _check_affix("prefix", operand),
    "suffix": lambda operand, field, found: _check_affix("suffix", operand),
    "equals-ignore-case": lambda operand, field, found: _check_string_operand("equals-ignore-case", operand),
    "wildcard": _check_wildcard,
    "numeric": _check_numeric,
    "anything-but": _check_anything_but,
    "exists": _check_exists,
    "cidr": _check_cidr,
}
