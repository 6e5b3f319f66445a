"""Parse a policy document (JSON text or dict) into statements with every element normalised to tuples."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

VERSION_WITH_VARIABLES = "2012-10-17"

# Principal element: principal type ("AWS", "Service", "Federated", "CanonicalUser", or "*") -> values.
PrincipalMap = Mapping[str, tuple[str, ...]]
# Condition element: operator -> condition key -> policy values (None when a value is JSON null).
ConditionMap = Mapping[str, Mapping[str, tuple[Any, ...]]]


def as_tuple(value: Any) -> tuple[Any, ...]:
    """A single value or a list of values, as a tuple (the policy grammar allows both)."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


def _principal_map(value: Any) -> PrincipalMap | None:
    """Normalise a Principal/NotPrincipal element; `"*"` becomes the `"*"` type."""
    if value is None:
        return None
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(kind): tuple(str(v) for v in as_tuple(values)) for kind, values in value.items()}
    return {"AWS": tuple(str(v) for v in as_tuple(value))}


def _condition_map(value: Any) -> ConditionMap:
    """Normalise a Condition element so that every key maps to a tuple of values."""
    if not isinstance(value, Mapping):
        return {}
    return {
        str(op): {str(key): as_tuple(vals) for key, vals in block.items()} if isinstance(block, Mapping) else {}
        for op, block in value.items()
    }


@dataclass(frozen=True)
class Statement:
    """One statement with its elements normalised; absent elements are None."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principal: PrincipalMap | None
    not_principal: PrincipalMap | None
    condition: ConditionMap


def _optional_strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    """An element as a tuple of strings, or None when the statement does not have it."""
    return tuple(str(v) for v in as_tuple(raw[key])) if key in raw else None


def parse_statement(raw: Mapping[str, Any], index: int) -> Statement:
    """Build a Statement from its JSON object."""
    return Statement(
        index=index,
        sid=str(raw["Sid"]) if raw.get("Sid") not in (None, "") else None,
        effect=str(raw.get("Effect", "")),
        actions=_optional_strings(raw, "Action"),
        not_actions=_optional_strings(raw, "NotAction"),
        resources=_optional_strings(raw, "Resource"),
        not_resources=_optional_strings(raw, "NotResource"),
        principal=_principal_map(raw.get("Principal")),
        not_principal=_principal_map(raw.get("NotPrincipal")),
        condition=_condition_map(raw.get("Condition")),
    )


@dataclass(frozen=True)
class Policy:
    """A named policy document: its Version and its statements."""

    name: str
    version: str | None
    statements: tuple[Statement, ...]

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are substituted only under Version 2012-10-17; otherwise `${...}` is literal."""
        return self.version == VERSION_WITH_VARIABLES

    @classmethod
    def parse(cls, document: str | Mapping[str, Any], name: str = "policy") -> Policy:
        """Parse a JSON text or an already-decoded dict; Statement may be one object or a list."""
        doc = json.loads(document) if isinstance(document, str) else document
        if not isinstance(doc, Mapping):
            raise ValueError(f"policy {name!r} is not a JSON object")
        raw_statements = [s for s in as_tuple(doc.get("Statement")) if isinstance(s, Mapping)]
        statements = tuple(parse_statement(raw, i) for i, raw in enumerate(raw_statements))
        version = doc.get("Version")
        return cls(name=name, version=str(version) if version is not None else None, statements=statements)


PolicyInput = Policy | str | Mapping[str, Any] | tuple[str, "str | Mapping[str, Any]"]


@lru_cache(maxsize=1024)
def _parse_text(text: str, name: str) -> Policy:
    """Parse JSON policy text once (stored policies arrive as the same text again and again)."""
    return Policy.parse(text, name=name)


def _parse(document: Any, name: str) -> Policy:
    return _parse_text(document, name) if isinstance(document, str) else Policy.parse(document, name=name)


def to_policies(items: Any, kind: str) -> list[Policy]:
    """Accept Policy objects, documents, or (name, document) pairs; unnamed ones are called `kind[i]`.

    Pass Policy objects (or JSON text, which is cached) when the same policies decide many requests: parsing a
    dict again on every call costs more than the evaluation itself.
    """
    policies = []
    for i, item in enumerate(items or ()):
        if isinstance(item, Policy):
            policies.append(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            policies.append(_parse(item[1], item[0]))
        else:
            policies.append(_parse(item, f"{kind}[{i}]"))
    return policies
