"""The Condition element: every operator family, `...IfExists`, and the ForAllValues/ForAnyValue qualifiers.

Rules, from the IAM User Guide ("Condition operators", "Conditions with multiple context keys or values"):
operators AND-ed; keys under one operator AND-ed; values for one key OR-ed (NOR for negated operators); a key
missing from the request makes a positive operator false and a negated one true, unless the operator ends in
IfExists (then true) or is Null; ForAllValues is true on an empty or missing set, ForAnyValue false.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .context import RequestContext, text_of
from .variables import substitute
from .wildcards import Pieces, arn_pieces_match, pieces_match

Compare = Callable[[Any, Any], bool]


def _number(value: Any) -> float | None:
    """A number from a JSON value or numeric text, or None."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_date(value: Any) -> datetime | None:
    """An ISO 8601 date/time or epoch seconds as an aware datetime (UTC when no offset is written)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    number = _number(value)
    if number is not None:
        return datetime.fromtimestamp(number, tz=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _binary(value: Any) -> bytes | None:
    """Bytes from raw bytes or base64 text."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _ip_in(policy_value: Any, request_value: Any) -> bool:
    """True if the request IP lies in the policy's address or CIDR range (IPv4 or IPv6)."""
    try:
        network = ipaddress.ip_network(str(policy_value).strip(), strict=False)
        address = ipaddress.ip_address(str(request_value).strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _ordered(parse: Callable[[Any], Any], test: Callable[[Any, Any], bool]) -> Compare:
    """A comparison on parsed values; unparseable values never match."""

    def compare(policy_value: Any, request_value: Any) -> bool:
        left, right = parse(request_value), parse(policy_value)
        return left is not None and right is not None and test(left, right)

    return compare


_EQ: Callable[[Any, Any], bool] = lambda a, b: a == b  # noqa: E731
_LT: Callable[[Any, Any], bool] = lambda a, b: a < b  # noqa: E731
_LE: Callable[[Any, Any], bool] = lambda a, b: a <= b  # noqa: E731
_GT: Callable[[Any, Any], bool] = lambda a, b: a > b  # noqa: E731
_GE: Callable[[Any, Any], bool] = lambda a, b: a >= b  # noqa: E731


def _string_equals(pieces: Pieces, value: Any) -> bool:
    return "".join(t for t, _ in pieces) == text_of(value)


def _string_equals_ignore_case(pieces: Pieces, value: Any) -> bool:
    return "".join(t for t, _ in pieces).casefold() == text_of(value).casefold()


def _string_like(pieces: Pieces, value: Any) -> bool:
    return pieces_match(pieces, text_of(value))


def _arn_like(pieces: Pieces, value: Any) -> bool:
    return arn_pieces_match(pieces, text_of(value))


def _bool(pieces: Pieces, value: Any) -> bool:
    return "".join(t for t, _ in pieces).lower() == text_of(value).lower()


@dataclass(frozen=True)
class Operator:
    """One base condition operator: its family, how a policy value matches a request value, and its sense."""

    family: str
    compare: Compare
    negated: bool = False
    variables: bool = False  # policy variables are substituted (String, Bool and Arn families)


def _family(family: str, variables: bool, table: Mapping[str, tuple[Compare, bool]]) -> dict[str, Operator]:
    return {name.lower(): Operator(family, fn, neg, variables) for name, (fn, neg) in table.items()}


_number_cmp = {name: _ordered(_number, test) for name, test in [("eq", _EQ), ("lt", _LT), ("le", _LE),
                                                                  ("gt", _GT), ("ge", _GE)]}
_date_cmp = {name: _ordered(parse_date, test) for name, test in [("eq", _EQ), ("lt", _LT), ("le", _LE),
                                                                  ("gt", _GT), ("ge", _GE)]}

OPERATORS: dict[str, Operator] = {
    **_family("String", True, {
        "StringEquals": (_string_equals, False), "StringNotEquals": (_string_equals, True),
        "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
        "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
        "StringLike": (_string_like, False), "StringNotLike": (_string_like, True),
    }),
    **_family("Numeric", False, {
        "NumericEquals": (_number_cmp["eq"], False), "NumericNotEquals": (_number_cmp["eq"], True),
        "NumericLessThan": (_number_cmp["lt"], False), "NumericLessThanEquals": (_number_cmp["le"], False),
        "NumericGreaterThan": (_number_cmp["gt"], False), "NumericGreaterThanEquals": (_number_cmp["ge"], False),
    }),
    **_family("Date", False, {
        "DateEquals": (_date_cmp["eq"], False), "DateNotEquals": (_date_cmp["eq"], True),
        "DateLessThan": (_date_cmp["lt"], False), "DateLessThanEquals": (_date_cmp["le"], False),
        "DateGreaterThan": (_date_cmp["gt"], False), "DateGreaterThanEquals": (_date_cmp["ge"], False),
    }),
    **_family("Bool", True, {"Bool": (_bool, False)}),
    **_family("Binary", False, {"BinaryEquals": (_ordered(_binary, _EQ), False)}),
    **_family("IpAddress", False, {"IpAddress": (_ip_in, False), "NotIpAddress": (_ip_in, True)}),
    **_family("Arn", True, {
        "ArnEquals": (_arn_like, False), "ArnLike": (_arn_like, False),
        "ArnNotEquals": (_arn_like, True), "ArnNotLike": (_arn_like, True),
    }),
}

_OPERATOR_NAME = re.compile(r"^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedOperator:
    """A full operator name split into qualifier, base operator and the IfExists flag."""

    qualifier: str | None  # "forallvalues", "foranyvalue" or None
    base: str  # lower-case base name, e.g. "stringequals" or "null"
    if_exists: bool

    @property
    def known(self) -> bool:
        """True if the base operator exists (Null cannot take IfExists)."""
        if self.base == "null":
            return not self.if_exists
        return self.base in OPERATORS


def parse_operator(name: str) -> ParsedOperator:
    """Split e.g. `ForAnyValue:StringLikeIfExists` into its parts."""
    found = _OPERATOR_NAME.match(name)
    if not found:
        return ParsedOperator(None, name.lower(), False)
    qualifier, base, if_exists = found.groups()
    if base.lower() == "null" or base.lower() in OPERATORS:
        return ParsedOperator(qualifier.lower() if qualifier else None, base.lower(), bool(if_exists))
    # "...IfExists" might belong to an unknown base; keep the whole name so it stays unknown.
    return ParsedOperator(qualifier.lower() if qualifier else None, (base + (if_exists or "")).lower(), False)


def _null_dataset(values: tuple[Any, ...] | None) -> bool:
    """Missing key, empty list, or a lone empty string: what the set operators treat as an empty set."""
    return values is None or len(values) == 0 or (len(values) == 1 and text_of(values[0]) == "")


def _null_check(policy_values: tuple[Any, ...], request_values: tuple[Any, ...] | None) -> bool:
    """The Null operator: "true" asks for the key to be absent, "false" for it to be present."""
    absent = request_values is None or len(request_values) == 0
    return any((text_of(v).lower() == "true") == absent for v in policy_values)


def _policy_side(op: Operator, values: tuple[Any, ...], context: RequestContext, variables: bool) -> list[Any]:
    """Policy values ready to compare: pieces for the families that take variables, raw values otherwise."""
    if not op.variables:
        return [v for v in values if v is not None]
    resolved = (substitute(text_of(v), context, variables) for v in values if v is not None)
    return [p for p in resolved if p is not None]  # a variable without a value is like no value at all


def evaluate_key(
    parsed: ParsedOperator, key: str, values: tuple[Any, ...], context: RequestContext, variables: bool = True
) -> bool:
    """One operator applied to one condition key."""
    request_values = context.get(key)
    if parsed.base == "null":
        return _null_check(values, request_values)
    op = OPERATORS[parsed.base]
    policy_values = _policy_side(op, values, context, variables)

    def single(request_value: Any) -> bool:
        matched = any(op.compare(pv, request_value) for pv in policy_values)
        return matched != op.negated

    if parsed.qualifier is None:
        if not request_values:
            return parsed.if_exists or op.negated
        matched = any(any(op.compare(pv, rv) for pv in policy_values) for rv in request_values)
        return matched != op.negated
    if _null_dataset(request_values):
        return parsed.if_exists or parsed.qualifier == "forallvalues"
    assert request_values is not None
    if parsed.qualifier == "forallvalues":
        return all(single(rv) for rv in request_values)
    return any(single(rv) for rv in request_values)


def evaluate_condition(
    condition: Mapping[str, Mapping[str, tuple[Any, ...]]], context: RequestContext, variables: bool = True
) -> bool:
    """The whole Condition element: true when every operator holds for every key (unknown operators fail)."""
    for name, block in condition.items():
        parsed = parse_operator(name)
        if not parsed.known:
            return False
        for key, values in block.items():
            if not evaluate_key(parsed, key, values, context, variables):
                return False
    return True
