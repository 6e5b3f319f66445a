"""Evaluation cases written from the IAM User Guide (tests/iam/cases/*.json), each citing the page it checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grader.iam import Outcome, Request, evaluate

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
        assert sorted(ref.sid for ref in decision.statements) == sorted(case["deciding"]), str(decision)


def test_cases_are_many_unique_and_cited() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids))
    assert all(c["cites"] and c["rule"] for c in CASES)


def _operators(case: dict[str, Any]) -> set[str]:
    found = set()
    for policies in case["policies"].values():
        for policy in policies:
            doc = _document(policy)
            statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
            for st in statements:
                found.update(st.get("Condition", {}))
    return found


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
