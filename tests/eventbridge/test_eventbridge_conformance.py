"""Every case of the shared conformance corpus, whose answers come from the real EventBridge service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.eventbridge import InvalidEventPattern, matches, validate_pattern

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "conformance" / "eventbridge-patterns.json"


def _cases() -> list:
    """One pytest parameter per corpus case, or a single skipped one when `../shared` is not there."""
    if not CORPUS.is_file():
        reason = f"conformance corpus not found at {CORPUS} (../shared is absent from this checkout)"
        return [pytest.param(None, id="corpus-missing", marks=pytest.mark.skip(reason=reason))]
    cases = json.loads(CORPUS.read_text())["cases"]
    return [pytest.param(case, id=case["name"]) for case in cases]


@pytest.mark.parametrize("case", _cases())
def test_case_agrees_with_the_service(case: dict) -> None:
    if case["expected"] == "invalid":
        with pytest.raises(InvalidEventPattern):
            validate_pattern(case["pattern"])
        with pytest.raises(InvalidEventPattern):
            matches(case["pattern"], case["event"])
        return
    validate_pattern(case["pattern"])
    assert matches(case["pattern"], case["event"]) is (case["expected"] == "match")
    # The same answer when both arrive as JSON text, as they do over the API.
    assert matches(json.dumps(case["pattern"]), json.dumps(case["event"])) is (case["expected"] == "match")
