"""Mutants of a handler, and which of them a learner's tests kill.

A mutant is the handler's source with a few small edits, each a realistic bug. Tests kill a mutant when they fail
on it; they earn nothing unless they also pass on the handler as given, or a file that fails everywhere would
kill every mutant. Mutants are answer keys (lambda_course/answers/*-mutants.toml): while a lab is graded the
learner's side cannot read them, and the tests never run in a process that holds the handler's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lambda_course import answerkeys
from lambda_course.testruns.runner import TestRun, run_tests


class MutantError(ValueError):
    """A mutant's edit does not fit the handler's source: the answer key and the handler have drifted apart."""


@dataclass(frozen=True)
class Mutant:
    """One bug: its id, and the edits (old text, new text) that make it from the handler's source."""

    id: str
    edits: tuple[tuple[str, str], ...]

    def source(self, original: str) -> str:
        """The handler's source with this mutant's edits made; MutantError when an old text is not there once."""
        changed = original
        for old, new in self.edits:
            if changed.count(old) != 1:
                raise MutantError(f"mutant {self.id}: {old!r} occurs {changed.count(old)} times, not once")
            changed = changed.replace(old, new)
        return changed


def load_mutants(key: str) -> list[Mutant]:
    """The mutants in the answer key `key`, in its order (AnswerKeysUnavailable on the learner's side)."""
    data = answerkeys.load(key)
    return [Mutant(str(entry["id"]), tuple((str(old), str(new)) for old, new in entry["edits"]))
            for entry in data["mutant"]]


@dataclass(frozen=True)
class Target:
    """What one test run is against: the handler's module name, its test file's name, and its source."""

    module: str
    test_file: str
    source: str


@lru_cache(maxsize=64)
def run_against(tests: str, target: Target) -> TestRun:
    """The tests run against `target`, once per process for the same tests and source (each check cell asks)."""
    return run_tests(tests, target.source, target.module, target.test_file)
