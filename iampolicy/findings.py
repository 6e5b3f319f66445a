"""Small helpers for building validator findings and walking a raw policy document."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .models import Finding, Severity
from .policy import as_tuple


def finding(severity: Severity, code: str, message: str, path: str = "") -> Finding:
    """Build a Finding (a shorthand that keeps check functions to one line per finding)."""
    return Finding(severity=severity, code=code, message=message, path=path)


@dataclass(frozen=True)
class RawStatement:
    """A statement as written (not normalised), with its index, path and the policy-wide facts checks need."""

    raw: Mapping[str, Any]
    index: int
    policy_type: str  # "IDENTITY" or "RESOURCE"
    version: str | None

    @property
    def path(self) -> str:
        return f"Statement[{self.index}]"

    def values(self, key: str) -> tuple[Any, ...]:
        """An element's values as a tuple (empty when absent)."""
        return as_tuple(self.raw.get(key))

    def strings(self, key: str) -> list[str]:
        """An element's string values."""
        return [v for v in self.values(key) if isinstance(v, str)]

    @property
    def allows(self) -> bool:
        return self.raw.get("Effect") == "Allow"

    def condition_keys(self) -> Iterator[tuple[str, str, Any]]:
        """(operator, key, values) for every key in the Condition element."""
        condition = self.raw.get("Condition")
        if not isinstance(condition, Mapping):
            return
        for operator, block in condition.items():
            if isinstance(block, Mapping):
                for key, values in block.items():
                    yield str(operator), str(key), values
