"""Validator checks on the policy grammar: elements, Effect, Version, Sid and element combinations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from .findings import RawStatement, finding
from .models import Finding, Severity
from .variables import VARIABLE

TOP_LEVEL = {"Version", "Id", "Statement"}
STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                  "NotResource", "Condition"}
VERSIONS = {"2012-10-17", "2008-10-17"}
PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
E, W, S = Severity.ERROR, Severity.WARNING, Severity.SUGGESTION


def check_document(doc: Mapping[str, Any]) -> Iterator[Finding]:
    """Top-level elements, Version and the presence of Statement."""
    for key in doc:
        if key not in TOP_LEVEL:
            yield finding(E, "INVALID_POLICY_ELEMENT", f"unknown top-level element {key!r}", key)
    version = doc.get("Version")
    if version is None:
        yield finding(W, "MISSING_VERSION", "add \"Version\": \"2012-10-17\"; without it policy variables are "
                      "read as plain text", "Version")
    elif version not in VERSIONS:
        yield finding(E, "INVALID_VERSION", f"Version must be 2012-10-17 (or the old 2008-10-17), not {version!r}",
                      "Version")
    statements = doc.get("Statement")
    if statements in (None, [], {}):
        yield finding(E, "MISSING_STATEMENT", "the policy has no Statement", "Statement")


def check_sids(statements: list[RawStatement]) -> Iterator[Finding]:
    """Sids must be unique within a policy."""
    counts = Counter(s.raw.get("Sid") for s in statements if s.raw.get("Sid"))
    for sid, count in counts.items():
        if count > 1:
            yield finding(E, "UNIQUE_SIDS_REQUIRED", f"Sid {sid!r} is used by {count} statements", "Statement")


def _combination(st: RawStatement, first: str, second: str) -> Iterator[Finding]:
    """Two mutually exclusive elements in one statement."""
    if first in st.raw and second in st.raw:
        yield finding(E, "UNSUPPORTED_ELEMENT_COMBINATION", f"a statement cannot have both {first} and {second}",
                      st.path)


def check_statement_elements(st: RawStatement) -> Iterator[Finding]:
    """Unknown keys, Effect, the required Action/Resource/Principal elements and their combinations."""
    for key in st.raw:
        if key not in STATEMENT_KEYS:
            yield finding(E, "INVALID_POLICY_ELEMENT", f"unknown statement element {key!r}", f"{st.path}.{key}")
    effect = st.raw.get("Effect")
    if effect is None:
        yield finding(E, "MISSING_EFFECT", "every statement needs \"Effect\": \"Allow\" or \"Deny\"", st.path)
    elif effect not in ("Allow", "Deny"):
        yield finding(E, "INVALID_EFFECT", f"Effect must be exactly Allow or Deny, not {effect!r}", st.path)
    if "Action" not in st.raw and "NotAction" not in st.raw:
        yield finding(E, "MISSING_ACTION", "the statement needs an Action or NotAction element", st.path)
    if "Resource" not in st.raw and "NotResource" not in st.raw:
        yield finding(E, "MISSING_RESOURCE", "the statement needs a Resource or NotResource element", st.path)
    for first, second in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
        yield from _combination(st, first, second)
    if "Sid" in st.raw and st.raw["Sid"] == "":
        yield finding(S, "EMPTY_SID_VALUE", "remove the empty Sid or give it a name", f"{st.path}.Sid")
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if st.raw.get(key) == []:
            yield finding(S, f"EMPTY_ARRAY_{key.upper().removeprefix('NOT')}", f"{key} is an empty list, so "
                          "the statement matches nothing", f"{st.path}.{key}")
    if st.raw.get("Condition") == {}:
        yield finding(S, "EMPTY_OBJECT_CONDITION", "remove the empty Condition element", f"{st.path}.Condition")


def _principal_values(value: Any) -> Iterator[tuple[str, str]]:
    """(principal type, value) pairs of a Principal element."""
    if value == "*":
        yield "*", "*"
    elif isinstance(value, Mapping):
        for kind, values in value.items():
            for item in values if isinstance(values, list) else [values]:
                yield str(kind), str(item)


def check_principal(st: RawStatement) -> Iterator[Finding]:
    """Principal belongs in resource policies only, with known types and no partial wildcards."""
    has = [key for key in ("Principal", "NotPrincipal") if key in st.raw]
    if st.policy_type == "IDENTITY":
        for key in has:
            yield finding(E, "UNSUPPORTED_PRINCIPAL", f"{key} is not allowed in an identity-based policy: the "
                          "principal is whoever the policy is attached to", f"{st.path}.{key}")
        return
    if not has:
        yield finding(E, "MISSING_PRINCIPAL", "a resource-based policy statement must name a Principal", st.path)
    for key in has:
        if st.raw[key] in ({}, []):
            yield finding(S, "EMPTY_OBJECT_PRINCIPAL", f"{key} is empty", f"{st.path}.{key}")
        for kind, value in _principal_values(st.raw[key]):
            if kind != "*" and kind not in PRINCIPAL_TYPES:
                yield finding(E, "INVALID_PRINCIPAL_KEY", f"unknown principal type {kind!r}", f"{st.path}.{key}")
            elif value != "*" and ("*" in value or "?" in value):
                yield finding(E, "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", f"{value!r}: a principal cannot be matched "
                              "partly with wildcards; use a condition on aws:PrincipalArn", f"{st.path}.{key}")


def check_variables(st: RawStatement) -> Iterator[Finding]:
    """Policy variables need Version 2012-10-17, may not be empty, and belong in Resource and Condition only."""
    for key in ("Action", "NotAction", "Principal", "NotPrincipal"):
        if key in st.raw and VARIABLE.search(str(st.raw[key])):
            yield finding(E, "VARIABLE_UNSUPPORTED_IN_ELEMENT", f"policy variables cannot be used in {key}",
                          f"{st.path}.{key}")
    text = " ".join(str(st.raw.get(k)) for k in ("Resource", "NotResource", "Condition") if k in st.raw)
    found = list(VARIABLE.finditer(text))
    if found and st.version != "2012-10-17":
        yield finding(E, "VARIABLE_UNSUPPORTED_IN_VERSION", "policy variables work only with Version "
                      "2012-10-17; here they would be compared as literal text", st.path)
    if any(not m.group(1).strip() for m in found):
        yield finding(E, "EMPTY_VARIABLE", "a policy variable `${}` names no key", st.path)
