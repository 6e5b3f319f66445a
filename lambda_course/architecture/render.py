"""Put facts into the bank's sentences: `{key}` becomes a fact's value, `{key:min}` the value in minutes."""

from __future__ import annotations

import re

from localaws.facts import value

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)(?::(min|h))?\}")
_DIVISORS = {None: 1, "min": 60, "h": 3600}


def format_number(number: float) -> str:
    """A number as a sentence would write it: 1,000 and 0.0000166667, never 1e-05."""
    if float(number).is_integer():
        return f"{int(number):,}"
    text = f"{number:.10f}".rstrip("0")
    return text if abs(number) < 1 else f"{float(text):,}".rstrip("0").rstrip(".")


def render(text: str) -> str:
    """`text` with each fact placeholder replaced by the fact's value (converted when a unit is given)."""

    def replace(match: re.Match[str]) -> str:
        return format_number(value(match[1]) / _DIVISORS[match[2]])

    return _PLACEHOLDER.sub(replace, text)


def cited_keys(text: str) -> set[str]:
    """The facts keys a sentence's placeholders name."""
    return {match[1] for match in _PLACEHOLDER.finditer(text)}
