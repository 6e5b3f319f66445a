"""Matching a request path against API Gateway path templates: literals, `{name}` and greedy `{name+}`.

Several templates may match one path; API Gateway picks the most specific, comparing segment by segment:
a literal beats a `{variable}`, which beats a greedy `{proxy+}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


def segments(path: str) -> list[str]:
    """The non-empty segments of a path: `/a//b/` gives ['a', 'b']."""
    return [part for part in path.split("/") if part]


def _kind(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    if segment.startswith("{") and segment.endswith("}"):
        return _VARIABLE
    return _LITERAL


def match(template: str, path: str) -> dict[str, str] | None:
    """The path parameters if `path` matches `template`, else None. `{proxy+}` takes one or more segments."""
    wanted, given = segments(template), segments(path)
    params: dict[str, str] = {}
    for index, part in enumerate(wanted):
        kind = _kind(part)
        if kind == _GREEDY:
            if index != len(wanted) - 1 or index >= len(given):
                return None
            params[part[1:-2]] = "/".join(given[index:])
            return params
        if index >= len(given):
            return None
        if kind == _VARIABLE:
            params[part[1:-1]] = given[index]
        elif part != given[index]:
            return None
    return params if len(wanted) == len(given) else None


def specificity(template: str) -> tuple[int, ...]:
    """A sort key: smaller is more specific."""
    return tuple(_kind(part) for part in segments(template))


def best_match(candidates: Iterable[tuple[str, int, T]], path: str) -> tuple[T, dict[str, str]] | None:
    """The item of the most specific matching template, with its path parameters.

    Candidates are (template, tie_break, item); among equally specific templates the smaller tie_break wins
    (HTTP APIs use it to prefer `GET /x` over `ANY /x`).
    """
    found = [
        ((specificity(template), tie_break), params, item)
        for template, tie_break, item in candidates
        if (params := match(template, path)) is not None
    ]
    if not found:
        return None
    _, params, item = min(found, key=lambda entry: entry[0])
    return item, params
