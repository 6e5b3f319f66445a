"""Lab 11's checks: a learner's pytest file for the quote handler, graded by the hidden mutants it kills.

The tests run with pytest in a program of their own against the handler served from outside (see
lambda_course.testruns), first as given, then as each mutant. A mutant counts as killed when the tests fail on it
while passing on the handler as given. While the lab is graded each run has a fresh jail of its own that holds
no source of the handler, so tests can tell a mutant apart only by what it answers.
"""

from __future__ import annotations

from pathlib import Path

from lambda_course.checks import CheckFailed
from lambda_course.labchecks import quote
from lambda_course.testruns.mutation import Target, load_mutants, run_against
from lambda_course.testruns.runner import TestRun
from lambda_course.testruns.screening import TestsRefused, screen

MODULE, TEST_FILE = "quote", "test_quote.py"
MUTANTS = "quote-mutants"  # the answer key holding the mutants
HANDLER_SOURCE = Path(quote.__file__).read_text(encoding="utf-8")
HANDLER = Target(MODULE, TEST_FILE, HANDLER_SOURCE)


def write_handler(folder: Path = Path()) -> Path:
    """Put the handler's module beside the notebook as `quote.py`, to read and to import in your own runs."""
    path = folder / f"{MODULE}.py"
    path.write_text(HANDLER_SOURCE, encoding="utf-8")
    return path


def run_my_tests(tests: str) -> TestRun | None:
    """Run your test file against the handler as given and show what pytest says (the grader runs it the same way).

    A test file the grader would not accept is not run: what is wrong with it is printed instead (None).
    """
    try:
        screen(_text(tests), HANDLER_SOURCE, MODULE)
    except (TestsRefused, CheckFailed) as refused:
        print(refused)
        return None
    run = run_against(tests, HANDLER)
    print(run.output.rstrip() or run.summary)
    return run


def check_passes_on_handler(tests: object) -> None:
    """CheckFailed unless the test file is accepted, finds tests, and every one passes on the handler as given."""
    text = _text(tests)
    try:
        screen(text, HANDLER_SOURCE, MODULE)
    except TestsRefused as refused:
        raise CheckFailed(str(refused)) from None
    run = run_against(text, HANDLER)
    if not run.passed and "HandlerUnreachable" in run.output:
        raise CheckFailed("Your tests could not reach the handler (the grader serves it to them from outside), "
                          "which is a problem of the grading run, not of your tests: run the check again, and if "
                          "it persists, tell your instructor.")
    if not run.passed:
        raise CheckFailed(
            f"Your tests must pass on the handler as given, and they do not: {run.summary}. A test that fails on "
            "a correct handler would fail every deployment. Run them with run_my_tests(TESTS) and read pytest's "
            f"report:\n{_tail(run.output)}")


def check_kills(tests: object, number: int) -> None:
    """CheckFailed unless the tests pass on the handler as given and fail on hidden mutant `number` (from 1)."""
    check_passes_on_handler(tests)
    mutants = load_mutants(MUTANTS)
    if not 1 <= number <= len(mutants):
        raise ValueError(f"there are {len(mutants)} mutants, numbered from 1, not {number}")
    mutant = Target(MODULE, TEST_FILE, mutants[number - 1].source(HANDLER_SOURCE))
    run = run_against(_text(tests), mutant)
    if run.passed:
        raise CheckFailed(
            f"Hidden mutant {number} of {len(mutants)} survived: your tests pass on it as well as on the handler, "
            "so the behaviour it changes is not pinned down by any test. Mutants are realistic bugs; each one "
            "answers some request differently from the handler.")


def _text(tests: object) -> str:
    if not isinstance(tests, str) or not tests.strip():
        raise CheckFailed("TESTS should hold your test file's text: run the cell that writes test_quote.py, then "
                          "the cell that reads it into TESTS.")
    return tests


def _tail(output: str, lines: int = 30) -> str:
    kept = output.rstrip().splitlines()[-lines:]
    return "\n".join(kept)
