"""Validator checks on the Condition element: operators, value types, and the use of set qualifiers."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .conditions import OPERATORS, parse_date, parse_operator
from .findings import RawStatement, finding
from .models import Finding, Severity
from .policy import as_tuple
from .variables import VARIABLE

# Global keys that can carry several values in one request; every other aws: key is single-valued.
MULTIVALUED_GLOBAL_KEYS = {"aws:tagkeys", "aws:principalservicenameslist", "aws:calledvia",
                           "aws:principalorgpaths", "aws:sourceorgpaths", "aws:resourceorgpaths"}
E, SW, W, S = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION


def _bad_value(family: str, value: Any) -> str | None:
    """The finding code if a policy value does not fit the operator family's type, else None."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if family == "Numeric":
        try:
            float(text)
        except ValueError:
            return "TYPE_MISMATCH_NUMBER"
    elif family == "Date" and parse_date(value) is None:
        return "INVALID_DATE_VALUE"
    elif family == "Bool" and text.lower() not in ("true", "false") and not VARIABLE.search(text):
        return "TYPE_MISMATCH_BOOLEAN"
    elif family == "IpAddress":
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return "TYPE_MISMATCH_IP_RANGE"
    return None


def _check_operator(st: RawStatement, operator: str, path: str) -> Iterator[Finding]:
    """Unknown operators, Null with IfExists or with a set qualifier."""
    parsed = parse_operator(operator)
    if parsed.base == "null" and parsed.if_exists:
        yield finding(E, "NULL_WITH_IF_EXISTS", "Null cannot take IfExists: it already tests existence", path)
    elif not parsed.known:
        yield finding(E, "INVALID_CONDITION_OPERATOR", f"{operator!r} is not a condition operator", path)
    elif parsed.base == "null" and parsed.qualifier:
        yield finding(S, "NULL_WITH_QUALIFIER", "Null with ForAllValues/ForAnyValue adds nothing", path)


def _check_values(operator: str, key: str, values: Any, path: str) -> Iterator[Finding]:
    """Value types, wildcards given to exact-match operators, set qualifiers on single-valued keys."""
    parsed = parse_operator(operator)
    if not parsed.known or parsed.base == "null":
        return
    op = OPERATORS[parsed.base]
    items = as_tuple(values)
    if items == ():
        yield finding(S, "EMPTY_ARRAY_CONDITION", f"{key} has no values to compare with", path)
    for value in items:
        code = _bad_value(op.family, value)
        if code:
            yield finding(W, code, f"{value!r} is not a valid {op.family} value for {operator}", path)
    exact = parsed.base in ("stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase")
    if exact and any(isinstance(v, str) and ("*" in v or "?" in v) for v in items):
        yield finding(W, "WILDCARD_WITHOUT_LIKE_OPERATOR", f"{operator} compares * and ? literally; use "
                      "StringLike for wildcards", path)
    lowered = key.lower()
    if parsed.qualifier == "forallvalues" and lowered.startswith("aws:") and lowered not in MULTIVALUED_GLOBAL_KEYS:
        yield finding(SW, "FORALLVALUES_WITH_SINGLE_VALUED_KEY", f"{key} is single-valued; ForAllValues is "
                      "also true when the key is missing, which can allow too much", path)


def check_conditions(st: RawStatement) -> Iterator[Finding]:
    """Every operator and key of the Condition element."""
    condition = st.raw.get("Condition")
    if not isinstance(condition, dict):
        return
    for operator, block in condition.items():
        path = f"{st.path}.Condition.{operator}"
        yield from _check_operator(st, operator, path)
        if isinstance(block, dict):
            dupes = [k for k, n in Counter(k.lower() for k in block).items() if n > 1]
            for key in dupes:
                yield finding(E, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", f"{key} appears twice with different "
                              "case; keys are case-insensitive", path)
            for key, values in block.items():
                yield from _check_values(operator, key, values, f"{path}.{key}")
