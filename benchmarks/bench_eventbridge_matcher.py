"""How fast the EventBridge pattern matcher runs over the conformance corpus: matches per second.

Run from the repository root: `.venv/bin/python benchmarks/bench_eventbridge_matcher.py`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from localaws.eventbridge import InvalidEventPattern, compile_pattern, matches, validate_pattern

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "eventbridge" / "conformance" / "eventbridge-patterns.json"
ROUNDS = 200


def _valid_cases() -> list[dict]:
    """The corpus cases whose pattern is valid (the others never reach matching)."""
    cases = json.loads(CORPUS.read_text())["cases"]
    valid = []
    for case in cases:
        try:
            validate_pattern(case["pattern"])
        except InvalidEventPattern:
            continue
        valid.append(case)
    return valid


def _rate(label: str, run, count: int) -> None:
    """Time `run` over ROUNDS rounds of `count` matches each and print the rate."""
    start = time.perf_counter()
    for _ in range(ROUNDS):
        run()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {ROUNDS * count / elapsed:>12,.0f} matches/s")


def main() -> int:
    """Print matches per second for precompiled patterns and for compiling on every call."""
    if not CORPUS.is_file():
        print(f"conformance corpus not found at {CORPUS}; nothing to measure")
        return 1
    cases = _valid_cases()
    compiled = [(compile_pattern(case["pattern"]), case["event"]) for case in cases]
    print(f"{len(cases)} valid cases, {ROUNDS} rounds")
    dicts = [(case["pattern"], case["event"]) for case in cases]
    texts = [(json.dumps(pattern), json.dumps(event)) for pattern, event in dicts]
    _rate("compile_pattern(...).matches(dict event)", lambda: [p.matches(e) for p, e in compiled], len(cases))
    _rate("matches(dict pattern, dict event)", lambda: [matches(p, e) for p, e in dicts], len(cases))
    _rate("matches(JSON text, JSON text)", lambda: [matches(p, e) for p, e in texts], len(cases))
    _rate(
        "compile and match every time", lambda: [compile_pattern(p).matches(e) for p, e in dicts], len(cases)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
