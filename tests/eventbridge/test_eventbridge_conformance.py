"""Every case of the conformance corpus, whose answers come from the real EventBridge service.

The corpus and its source and licence note are in conformance/ beside this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localaws.eventbridge import InvalidEventPattern, matches, validate_pattern

CORPUS = Path(__file__).resolve().parent / "conformance" / "eventbridge-patterns.json"
CASES = json.loads(CORPUS.read_text())["cases"]


def test_the_corpus_is_whole() -> None:
    assert len(CASES) == 97
    assert {case["expected"] for case in CASES} == {"match", "no-match", "invalid"}


def _cases() -> list:
    return [pytest.param(case, id=case["name"]) for case in CASES]


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
