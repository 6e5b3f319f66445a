"""Evaluation cases written from the IAM User Guide (tests/iam/cases/*.json), each citing the page it checks.

A case's optional `"deciding"` list names the statements the decision must report, as `<kind><i> / <Sid>` (or
`/ #<index>` for a statement without a Sid): for an explicit deny every Deny that applies, otherwise every Allow
that applies to the caller (see iampolicy.evaluator).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from iampolicy import Outcome, Request, evaluate

CASES_DIR = Path(__file__).parent / "cases"
KINDS = {
    "identity": "identity_policies",
    "resource": "resource_policies",
    "boundary": "permission_boundaries",
    "session": "session_policies",
    "scp": "service_control_policies",
    "rcp": "resource_control_policies",
}


def _load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        cases.extend(json.loads(path.read_text())["cases"])
    return cases


CASES = _load_cases()


def _document(policy: Any) -> Any:
    """A bare list of statements stands for a 2012-10-17 policy document."""
    return {"Version": "2012-10-17", "Statement": policy} if isinstance(policy, list) else policy


def _arguments(case: dict[str, Any]) -> dict[str, Any]:
    return {
        KINDS[kind]: [(f"{kind}{i}", _document(p)) for i, p in enumerate(policies)]
        for kind, policies in case["policies"].items()
    }


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    decision = evaluate(Request(**case["request"]), **_arguments(case))
    assert decision.outcome == Outcome(case["expected"]), f"{case['rule']} -> {decision}"
    if "deciding" in case:
        assert sorted(ref.label for ref in decision.statements) == sorted(case["deciding"]), str(decision)


def test_cases_are_many_unique_and_cited() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids))
    assert all(c["cites"] and c["rule"] for c in CASES)


def _statements(case: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policies in case["policies"].values():
        for policy in policies:
            doc = _document(policy)
            found.extend(doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]])
    return found


def _operators(case: dict[str, Any]) -> set[str]:
    return {op for st in _statements(case) for op in st.get("Condition", {})}


def test_cases_cover_every_operator_family_and_policy_type() -> None:
    operators = set().union(*(_operators(c) for c in CASES))
    bases = {op.split(":")[-1].removesuffix("IfExists") for op in operators}
    for family in ("String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "Arn", "Null"):
        assert any(base.startswith(family) or base == "Not" + family for base in bases), family
    assert any(op.startswith("ForAllValues:") for op in operators)
    assert any(op.startswith("ForAnyValue:") for op in operators)
    assert any(op.endswith("IfExists") for op in operators)
    kinds = set().union(*(c["policies"].keys() for c in CASES))
    assert kinds == set(KINDS)
    outcomes = {c["expected"] for c in CASES}
    assert outcomes == {o.value for o in Outcome}


def _with(element: str, effect: str, outcome: str) -> list[dict[str, Any]]:
    """Cases with a statement of `effect` using `element` whose expected outcome is `outcome`."""
    return [c for c in CASES if c["expected"] == outcome
            and any(element in st and st.get("Effect") == effect for st in _statements(c))]


def test_cases_cover_not_action_and_not_resource_in_both_effects() -> None:
    for element in ("NotAction", "NotResource"):
        assert _with(element, "Allow", "Allow") and _with(element, "Allow", "ImplicitDeny"), element
        assert _with(element, "Deny", "ExplicitDeny") and _with(element, "Deny", "Allow"), element


def _without_denies(case: dict[str, Any]) -> dict[str, Any]:
    """The case's policies with every Deny statement removed."""
    kept = {kind: [[st for st in _statements({"policies": {kind: [p]}}) if st.get("Effect") != "Deny"]
                   for p in policies] for kind, policies in case["policies"].items()}
    return {**case, "policies": kept}


def test_cases_cover_an_explicit_deny_beating_an_allow_in_each_place() -> None:
    """A Deny overrides an Allow that would otherwise decide: in the same policy, another policy, another type."""
    beaten = {}
    for case in CASES:
        if case["expected"] != "ExplicitDeny":
            continue
        rest = _without_denies(case)
        if evaluate(Request(**case["request"]), **_arguments(rest)).outcome is not Outcome.ALLOW:
            continue
        denying = {kind for kind, policies in case["policies"].items()
                   if any(st.get("Effect") == "Deny" for st in _statements({"policies": {kind: policies}}))}
        beaten[case["id"]] = denying
    kinds = set().union(*beaten.values())
    assert {"identity", "resource", "boundary", "session", "scp"} <= kinds, beaten
    assert any(len(c["policies"].get("identity", [])) > 1 for c in CASES if c["id"] in beaten)


def _text(case: dict[str, Any]) -> str:
    return json.dumps(case["policies"])


def test_cases_cover_policy_variables_and_their_escapes() -> None:
    for escape in ("${*}", "${?}", "${$}"):
        assert any(escape in _text(c) for c in CASES), escape
    named = [c for c in CASES if re.search(r"\$\{aws:[A-Za-z]", _text(c))]
    assert {c["expected"] for c in named} == {o.value for o in Outcome}
    assert any(re.search(r"\$\{[^}]*,\s*'", _text(c)) for c in CASES)  # a variable with a default value


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def test_cases_cover_every_combination_of_policy_types() -> None:
    combos = [set(c["policies"]) for c in CASES]
    for combo in ({"identity", "resource"}, {"identity", "boundary"}, {"identity", "session"},
                  {"resource", "boundary"}, {"resource", "session"}, {"identity", "scp"}, {"resource", "rcp"}):
        outcomes = {c["expected"] for c, kinds in zip(CASES, combos, strict=True) if combo <= kinds}
        assert {"Allow", "ImplicitDeny"} <= outcomes, combo
    cross = [c for c in CASES if _account(c["request"]["principal"]) not in (None, _account(c["request"]["resource"]))
             and _account(c["request"]["resource"])]
    assert {c["expected"] for c in cross} == {o.value for o in Outcome}
    assert any("boundary" in c["policies"] for c in cross)
    assert any(":assumed-role/" in c["request"]["principal"] for c in cross)


def test_every_explicit_deny_and_cross_type_case_names_its_deciding_statements() -> None:
    needing = [c["id"] for c in CASES if c["expected"] == "ExplicitDeny" or len(c["policies"]) > 1]
    assert [i for i in needing if "deciding" not in next(c for c in CASES if c["id"] == i)] == []
