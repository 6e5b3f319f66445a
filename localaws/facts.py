"""The course's facts about AWS (limits, prices, measurements), read from the one data file that holds them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Fact:
    """One number with where it comes from, so a chapter can cite it as well as use it.

    `reference` is true when the course reference (lambda-facts.md) states the number; a fact without it comes
    from the page named in `source` alone and must be re-checked before a release.
    """

    key: str
    value: Any
    unit: str
    source: str
    as_of: str
    reference: bool
    note: str = ""

    def numbers(self) -> list[float]:
        """Every number in the value (a value may be a list of numbers, or of lists), in order."""
        return _numbers(self.value)

    def cite(self) -> str:
        """A short citation: source and as-of date, and a reminder to check figures the reference does not state."""
        if self.reference:
            return f"{self.source} (as of {self.as_of})"
        return f"{self.source} (as of {self.as_of}; check the current figure before relying on it)"


@cache
def all_facts() -> dict[str, Fact]:
    """Every fact in `localaws/data/facts.toml`, by key."""
    raw = tomllib.loads(resources.files("localaws").joinpath("data/facts.toml").read_text())
    unflagged = [key for key, entry in raw.items() if not isinstance(entry.get("reference"), bool)]
    if unflagged:
        raise ValueError(f"localaws/data/facts.toml: no `reference = true` or `false` in {', '.join(unflagged)}")
    return {key: Fact(key=key, **entry) for key, entry in raw.items()}


def fact(key: str) -> Fact:
    """The fact named `key`, with a clear error for a key that does not exist."""
    facts = all_facts()
    if key not in facts:
        raise KeyError(f"no fact named {key!r} in localaws/data/facts.toml; known: {', '.join(sorted(facts))}")
    return facts[key]


def value(key: str) -> Any:
    """The bare value of a fact, for arithmetic."""
    return fact(key).value


@dataclass(frozen=True)
class Deprecation:
    """One deprecated Lambda runtime: when Lambda stopped creating, then updating, functions that use it."""

    runtime: str
    deprecated: date
    block_create: date
    block_update: date
    recommended: str
    source: str
    as_of: date


@cache
def deprecations() -> dict[str, Deprecation]:
    """Every deprecated runtime in `localaws/data/runtimes.toml`, by runtime identifier."""
    raw = tomllib.loads(resources.files("localaws").joinpath("data/runtimes.toml").read_text())
    return {name: Deprecation(runtime=name, source=raw["source"], as_of=raw["as_of"], **entry)
            for name, entry in raw["runtimes"].items()}


def _numbers(raw: object) -> list[float]:
    if isinstance(raw, bool):
        return []
    if isinstance(raw, int | float):
        return [raw]
    if isinstance(raw, list):
        return [n for item in raw for n in _numbers(item)]
    return []
