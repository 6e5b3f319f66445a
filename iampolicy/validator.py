"""Policy validation in the manner of IAM Access Analyzer: ERROR, SECURITY_WARNING, WARNING and SUGGESTION."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .action_checks import check_action_names, check_action_resources, check_redundant_actions, check_resource_shape
from .condition_checks import check_conditions
from .findings import RawStatement, finding
from .grammar_checks import (
    check_document,
    check_principal,
    check_sids,
    check_statement_elements,
    check_variables,
)
from .models import Finding, Severity
from .security_checks import check_full_access, check_pass_role, check_resource_policy_principals

POLICY_TYPES = {"IDENTITY": "IDENTITY", "IDENTITY_POLICY": "IDENTITY", "RESOURCE": "RESOURCE",
                "RESOURCE_POLICY": "RESOURCE"}
STATEMENT_CHECKS: tuple[Callable[[RawStatement], Iterable[Finding]], ...] = (
    check_statement_elements, check_principal, check_variables, check_action_names, check_redundant_actions,
    check_resource_shape, check_action_resources, check_conditions, check_full_access, check_pass_role,
    check_resource_policy_principals,
)
_ORDER = {severity: i for i, severity in enumerate(Severity)}


def _load(policy: str | Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, Finding | None]:
    """Decode the policy, or explain why it is not a JSON object."""
    if isinstance(policy, Mapping):
        return policy, None
    try:
        doc = json.loads(policy)
    except (TypeError, ValueError) as exc:
        return None, finding(Severity.ERROR, "JSON_SYNTAX_ERROR", f"the policy is not valid JSON: {exc}")
    if not isinstance(doc, Mapping):
        return None, finding(Severity.ERROR, "JSON_SYNTAX_ERROR", "the policy must be a JSON object")
    return doc, None


def _statements(doc: Mapping[str, Any], policy_type: str) -> Iterator[RawStatement | Finding]:
    """The statements of the document, or a finding for each that is not an object."""
    raw = doc.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    version = doc.get("Version")
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            yield RawStatement(item, i, policy_type, str(version) if version is not None else None)
        else:
            yield finding(Severity.ERROR, "JSON_SYNTAX_ERROR", "each statement must be a JSON object",
                          f"Statement[{i}]")


def validate(policy: str | Mapping[str, Any], policy_type: str = "IDENTITY") -> list[Finding]:
    """All findings for a policy document, most severe first."""
    kind = POLICY_TYPES.get(policy_type.upper())
    if kind is None:
        raise ValueError(f"policy_type must be IDENTITY or RESOURCE, not {policy_type!r}")
    doc, error = _load(policy)
    if doc is None:
        return [error] if error else []
    findings = list(check_document(doc))
    statements = []
    for item in _statements(doc, kind):
        if isinstance(item, Finding):
            findings.append(item)
        else:
            statements.append(item)
    findings += check_sids(statements)
    for st in statements:
        for check in STATEMENT_CHECKS:
            findings.extend(check(st))
    return sorted(findings, key=lambda f: _ORDER[f.severity])
