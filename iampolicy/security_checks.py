"""Validator checks for overly broad grants: full access, iam:PassRole on any role, public access, NotPrincipal
with Allow, and service principals without a source condition (the confused deputy problem)."""

from __future__ import annotations

from collections.abc import Iterator

from .findings import RawStatement, finding
from .models import Finding, Severity
from .wildcards import glob_match

SW = Severity.SECURITY_WARNING
SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}


def _star_resource(st: RawStatement) -> bool:
    """Resource is `*`, or NotResource is used (which covers nearly everything)."""
    return "*" in st.strings("Resource") or "NotResource" in st.raw


def _grants(st: RawStatement, action: str) -> bool:
    """True if the statement's Action or NotAction covers the action."""
    if "Action" in st.raw:
        return any(glob_match(a, action, ignore_case=True) for a in st.strings("Action"))
    if "NotAction" in st.raw:
        return not any(glob_match(a, action, ignore_case=True) for a in st.strings("NotAction"))
    return False


def check_full_access(st: RawStatement) -> Iterator[Finding]:
    """Allow of every action on every resource."""
    if st.allows and "*" in st.strings("Action") and "*" in st.strings("Resource"):
        yield finding(SW, "FULL_ACCESS", "\"Action\": \"*\" on \"Resource\": \"*\" grants every permission in "
                      "AWS; name the actions and resources needed", st.path)


def check_pass_role(st: RawStatement) -> Iterator[Finding]:
    """iam:PassRole on any role lets the holder hand any role, with its permissions, to a service."""
    if st.allows and _star_resource(st) and _grants(st, "iam:PassRole"):
        yield finding(SW, "PASS_ROLE_WITH_STAR_IN_RESOURCE", "iam:PassRole on every role can hand any role, and "
                      "its permissions, to a service; list the role ARNs or add iam:PassedToService", st.path)


def _condition_keys(st: RawStatement) -> set[str]:
    return {key.lower() for _, key, _ in st.condition_keys()}


def check_resource_policy_principals(st: RawStatement) -> Iterator[Finding]:
    """Resource policies: Allow with NotPrincipal, public Allow, and unrestricted service principals."""
    if st.policy_type != "RESOURCE" or not st.allows:
        return
    if "NotPrincipal" in st.raw:
        yield finding(SW, "ALLOW_WITH_NOT_PRINCIPAL", "Allow with NotPrincipal grants access to everyone else, "
                      "anonymous callers included", st.path)
    principal = st.raw.get("Principal")
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    if (principal == "*" or aws == "*" or (isinstance(aws, list) and "*" in aws)) and not st.raw.get("Condition"):
        yield finding(SW, "PUBLIC_ACCESS", "Principal \"*\" without a condition lets anyone, even anonymous "
                      "callers, use this resource", st.path)
    services = principal.get("Service") if isinstance(principal, dict) else None
    if services and not (_condition_keys(st) & SOURCE_KEYS):
        yield finding(SW, "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL", "granting a service principal access without "
                      "aws:SourceArn or aws:SourceAccount lets any customer's resource of that service use it "
                      "(the confused deputy problem)", st.path)
