"""Validator checks on Action and Resource: known services and actions, ARN shape, and whether an action can
take the resources the statement names (from the IAM service database)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from . import actions_db
from .findings import RawStatement, finding
from .models import Finding, Severity
from .variables import VARIABLE
from .wildcards import arns_overlap, glob_match, has_wildcard

ACTION_SHAPE = re.compile(r"^[^:\s]+:[^:\s]+$")
E, W, S = Severity.ERROR, Severity.WARNING, Severity.SUGGESTION


def _unknown_action(prefix: str, name: str, path: str) -> Finding:
    """An INVALID_ACTION finding, with the closest real action names as a hint."""
    entry = actions_db.service(prefix) or {"privileges": {}}
    close = difflib.get_close_matches(name, list(entry["privileges"]), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(f'{prefix}:{c}' for c in close)}?" if close else ""
    return finding(E, "INVALID_ACTION", f"{prefix}:{name} is not an action of {prefix}{hint}", path)


def check_action_names(st: RawStatement) -> Iterator[Finding]:
    """Every action is `service:name`, of a known service, and names (or matches) at least one real action."""
    for key in ("Action", "NotAction"):
        for i, action in enumerate(st.strings(key)):
            path = f"{st.path}.{key}[{i}]"
            if action == "*":
                continue
            if not ACTION_SHAPE.match(action):
                yield finding(E, "INVALID_ACTION", f"{action!r} is not of the form service:ActionName", path)
                continue
            prefix, name = action.split(":")
            if has_wildcard(prefix):
                yield finding(S, "WILDCARD_IN_SERVICE_NAME", f"{action!r}: name the service instead of "
                              "matching service prefixes with wildcards", path)
            elif actions_db.available() and actions_db.service(prefix) is None:
                yield finding(E, "INVALID_SERVICE", f"{prefix!r} is not a known AWS service prefix", path)
            elif actions_db.available() and not actions_db.matching_actions(prefix, name):
                yield _unknown_action(prefix, name, path)


def check_redundant_actions(st: RawStatement) -> Iterator[Finding]:
    """An action already covered by a wildcard entry of the same list."""
    actions = st.strings("Action")
    for i, action in enumerate(actions):
        for other in actions:
            if other != action and has_wildcard(other) and glob_match(other, action, ignore_case=True):
                yield finding(S, "REDUNDANT_ACTION", f"{action} is already covered by {other}",
                              f"{st.path}.Action[{i}]")
                break


def check_resource_shape(st: RawStatement) -> Iterator[Finding]:
    """Resources are `*` or ARNs with six colon-separated parts."""
    for key in ("Resource", "NotResource"):
        for i, resource in enumerate(st.strings(key)):
            path = f"{st.path}.{key}[{i}]"
            if resource == "*":
                continue
            if not resource.startswith("arn:"):
                yield finding(E, "INVALID_ARN_PREFIX", f"{resource!r} should start with arn: (or be *)", path)
            elif len(resource.split(":", 5)) < 6:
                yield finding(E, "MISSING_ARN_FIELD", f"{resource!r} has fewer than six ARN fields", path)


def _concrete_actions(st: RawStatement) -> Iterator[tuple[str, str, str]]:
    """(written action, service prefix, real action name) for actions written without wildcards."""
    for action in st.strings("Action"):
        if ACTION_SHAPE.match(action) and not has_wildcard(action):
            prefix, name = action.split(":")
            for real in actions_db.matching_actions(prefix, name):
                yield action, prefix, real


def check_action_resources(st: RawStatement) -> Iterator[Finding]:
    """Each named action must accept at least one of the statement's resource ARNs."""
    resources = [VARIABLE.sub("*", r) for r in st.strings("Resource") if r.startswith("arn:")]
    if not actions_db.available() or not resources or "*" in st.strings("Resource"):
        return
    for action, prefix, real in _concrete_actions(st):
        patterns = actions_db.resource_arn_patterns(prefix, real)
        if not patterns:
            yield finding(W, "RESOURCE_LEVEL_PERMISSIONS_NOT_SUPPORTED", f"{action} applies only to "
                          "\"Resource\": \"*\"; with specific ARNs this statement never matches it", st.path)
        elif not any(arns_overlap(r, p) for r in resources for p in patterns):
            wanted = " or ".join(sorted(set(patterns)))
            yield finding(W, "ACTION_RESOURCE_MISMATCH", f"{action} does not act on any resource listed here; "
                          f"it takes ARNs like {wanted}", st.path)
