"""A control-plane request Lambda refuses: its error code and message, shared by the modules that check requests."""

from __future__ import annotations

from typing import Any, NamedTuple


class Refusal(NamedTuple):
    """One refused request: the error code Lambda answers with and its message (both are HTTP 400)."""

    code: str
    message: str


def field_name(member: str) -> str:
    """A member's name as Lambda spells it in a ValidationException (camelCase)."""
    return member[0].lower() + member[1:]


def range_violation(member: str, found: Any, low: float, high: float) -> str | None:
    """A whole-number member outside [low, high], in the words of Lambda's ValidationException, or None.

    Anything but a whole number (a bool is not one) is None too: a wrong type is left to botocore or moto.
    """
    if not isinstance(found, int) or isinstance(found, bool) or low <= found <= high:
        return None
    limit = f"greater than or equal to {low}" if found < low else f"less than or equal to {high}"
    return f"Value '{found}' at '{field_name(member)}' failed to satisfy constraint: Member must have value {limit}"


def validation_refusal(violations: list[str]) -> Refusal | None:
    """Every violation of the API model in one ValidationException, as Lambda lists them; None when there is none."""
    if not violations:
        return None
    count = f"{len(violations)} validation error{'s' if len(violations) > 1 else ''} detected"
    return Refusal("ValidationException", f"{count}: {'; '.join(violations)}")


__all__ = ["Refusal", "field_name", "range_violation", "validation_refusal"]
