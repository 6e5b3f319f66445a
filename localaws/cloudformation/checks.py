"""Template checks with cfn-lint, and which of its errors CloudFormation itself would refuse.

`lint(template)` returns every finding (errors, warnings, informational) for the course to show. Stacks act on
the errors only, in two ways, because CloudFormation rejects templates at two moments:

- Refused at CreateStack or UpdateStack with a ValidationError ("Template format error: ..."), nothing created or
  changed: errors in the template's form, which CloudFormation reports before it provisions anything
  (`is_refusal`): cfn-lint's E0 rules (the template cannot be read or transformed), E1 (intrinsic functions,
  Ref and GetAtt to what does not exist), E2001 (parameters), E3001 (a resource's type or attributes), E3004
  (circular dependencies), E6 (outputs), E7 (mappings) and E8 (conditions).
- Accepted, then failed at the resource: errors in a resource's properties (every other E rule under
  `Resources/<LogicalId>`, such as an unknown property or a MemorySize below 128), which CloudFormation finds
  when it validates the resource against its schema while provisioning. The resource ends CREATE_FAILED or
  UPDATE_FAILED and the stack rolls back (`resource_failures`).

Warnings and informational findings never stop a stack.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cfnlint import api as cfnlint_api

_REFUSING_PREFIXES = ("E0", "E1", "E6", "E7", "E8")
_REFUSING_RULES = ("E2001", "E3001", "E3004")
_LEVELS = {"E": "error", "W": "warning", "I": "informational"}


@dataclass(frozen=True)
class Finding:
    """One cfn-lint finding: its rule, level, where it is in the template and what it says."""

    rule: str
    level: str  # "error", "warning" or "informational"
    message: str
    line: int
    path: tuple[str | int, ...]

    @property
    def resource(self) -> str | None:
        """The logical ID of the resource the finding is about, if it is about one."""
        if len(self.path) >= 2 and self.path[0] == "Resources":
            return str(self.path[1])
        return None

    def __str__(self) -> str:
        return f"{self.rule} (line {self.line}): {self.message}"


def _text(template: str | dict[str, Any]) -> str:
    return template if isinstance(template, str) else json.dumps(template)


def lint(template: str | dict[str, Any], region: str = "us-east-1") -> list[Finding]:
    """Every cfn-lint finding for a template (YAML or JSON text, or a dict), errors first."""
    found = [Finding(m.rule.id, _LEVELS.get(m.rule.id[:1], "error"), str(m.message), int(m.linenumber),
                     tuple(getattr(m, "path", None) or ()))
             for m in cfnlint_api.lint(_text(template), regions=[region])]
    return sorted(found, key=lambda f: ("EWI".find(f.rule[:1]), f.line, f.rule))


def is_refusal(finding: Finding) -> bool:
    """Whether CloudFormation would refuse the template outright for this finding (see the module's doc)."""
    if finding.level != "error":
        return False
    if finding.rule.startswith(_REFUSING_PREFIXES) or finding.rule in _REFUSING_RULES:
        return True
    return finding.resource is None  # an error about no resource in particular: refused, never ignored


def refusals(findings: list[Finding]) -> list[Finding]:
    """The findings that make CreateStack and UpdateStack refuse the template."""
    return [finding for finding in findings if is_refusal(finding)]


def resource_failures(findings: list[Finding]) -> dict[str, list[Finding]]:
    """The property errors, by the logical ID of the resource that fails to provision because of them."""
    failures: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.level == "error" and not is_refusal(finding) and finding.resource is not None:
            failures.setdefault(finding.resource, []).append(finding)
    return failures
