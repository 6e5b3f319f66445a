"""Where each statement sits in a policy's JSON text, as line and column, for IAM's simulation answers.

IAM's SimulateCustomPolicy and SimulatePrincipalPolicy point at a matched statement with a StartPosition and an
EndPosition (Line, Column). Lines and columns count from 1; the start is the statement's opening brace and the
end its closing brace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


@dataclass(frozen=True)
class Span:
    """A statement's first and last character, each as (line, column)."""

    start: tuple[int, int]
    end: tuple[int, int]


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _expect(text: str, at: int, char: str) -> int:
    at = _skip(text, at)
    if not text.startswith(char, at):
        raise ValueError(f"expected {char!r} at offset {at}")
    return at + 1


def _members(text: str, at: int) -> list[tuple[str, int, int]]:
    """The top-level object's members as (key, value start, value end) offsets."""
    at = _expect(text, at, "{")
    found: list[tuple[str, int, int]] = []
    while True:
        at = _skip(text, at)
        if text.startswith("}", at):
            return found
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, _expect(text, at, ":"))
        _, end = _DECODER.raw_decode(text, at)
        found.append((str(key), at, end))
        at = _skip(text, end)
        if text.startswith(",", at):
            at += 1


def _statement_offsets(text: str, start: int) -> list[tuple[int, int]]:
    """Offsets of each object in the Statement value (one object, or an array of them)."""
    if text[start] == "{":
        return [(start, _DECODER.raw_decode(text, start)[1])]
    offsets: list[tuple[int, int]] = []
    at = start + 1
    while True:
        at = _skip(text, at)
        if at >= len(text) or text[at] == "]":
            return offsets
        value, end = _DECODER.raw_decode(text, at)
        if isinstance(value, dict):
            offsets.append((at, end))
        at = _skip(text, end)
        if text.startswith(",", at):
            at += 1


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def statement_spans(text: str) -> list[Span]:
    """The span of every statement object in a policy's text, in order; [] if the text cannot be read."""
    try:
        members = _members(text, _skip(text, 0))
        value = next(((s, e) for key, s, e in members if key == "Statement"), None)
        offsets = _statement_offsets(text, value[0]) if value else []
    except (ValueError, IndexError):
        return []
    return [Span(_line_column(text, s), _line_column(text, e - 1)) for s, e in offsets]
