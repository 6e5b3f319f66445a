"""Runs a learner's pytest file against a handler, the handler served from outside the tests' process.

    run = run_tests(TESTS, handler_source, module="quote", test_file="test_quote.py")
    run.passed, run.summary, run.output

The tests run with pytest in a program of their own, in a fresh folder holding only the tests, the stand-in
module (standin.py, under the handler module's name) and the socket of the handler's server (host.py). While a
lab is graded (see jailing.py) that program runs in a fresh jail of its own, which shows nothing of the course:
no handler source, no mutant, no answer key, and no file of an earlier run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lambda_course.testruns import jailing
from lambda_course.testruns.host import load_handler, serving
from lambda_course.testruns.standin import SOCKET_NAME

STANDIN = Path(__file__).with_name("standin.py")
TIMEOUT_S = 60
OUTPUT_CHARS = 6000
# pytest's own exit codes: https://docs.pytest.org/en/stable/reference/exit-codes.html
EXIT_MEANINGS = {0: "every test passed", 1: "some tests failed", 2: "pytest was interrupted (an error while "
                 "collecting the tests?)", 3: "pytest itself failed", 4: "pytest was called wrongly",
                 5: "no test was found: name your test functions test_..."}
# Run in the program itself: plugins installed beside pytest stay out, so every run sees plain pytest.
MAIN = """import os, sys
os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
import pytest
options = ["-q", "--color=no", "-p", "no:cacheprovider", "--rootdir", ".", "-c", "pytest.ini"]
sys.exit(pytest.main([*options, {test_file!r}]))
"""


@dataclass(frozen=True)
class TestRun:
    """How one run of the tests ended: pytest's exit code (None when it ran out of time) and what it printed."""

    __test__ = False  # a result, not a test class for pytest to collect

    exit_code: int | None
    output: str

    @property
    def passed(self) -> bool:
        """True when pytest found tests and every one passed."""
        return self.exit_code == 0

    @property
    def summary(self) -> str:
        """pytest's last line ("3 passed in 0.21s"), or what the exit code means."""
        if self.exit_code is None:
            return f"the tests ran longer than {TIMEOUT_S} s and were stopped"
        if self.exit_code == 5:
            return EXIT_MEANINGS[5]
        lines = [line.strip("= ") for line in self.output.splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        if re.search(r"\b(passed|failed|error|errors|skipped|no tests ran)\b", last):
            return last
        return EXIT_MEANINGS.get(self.exit_code, f"pytest ended with exit code {self.exit_code}")


def run_tests(tests: str, handler_source: str, module: str, test_file: str) -> TestRun:
    """Run the pytest file `tests` against the handler of `handler_source`, served as the module `module`."""
    function = load_handler(handler_source, module)
    jail = jailing.new_jail()
    folder = jail.scratch if jail is not None else Path(tempfile.mkdtemp(prefix="handler-tests-"))
    try:
        _lay_out(folder, tests, module, test_file)
        with serving(function, folder / SOCKET_NAME):
            command = [sys.executable, "main.py"]
            if jail is not None:  # the launcher sets the jail's own environment and folder
                return _run(jail.command(command), None, None, jail.kill)
            plain = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
            return _run(command, folder, plain, None)
    finally:
        if jail is not None:
            jail.close()
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run_pytest(files: Mapping[str, str], test_file: str) -> TestRun:
    """Run pytest on `test_file` in a fresh folder holding `files` (name -> text): a chapter's own examples.

    Unlike `run_tests`, the modules in `files` run in the tests' process, as in a project's own test suite
    (an integration test that fakes AWS with moto needs the handler there); nothing here is graded.
    """
    folder = Path(tempfile.mkdtemp(prefix="handler-tests-"))
    try:
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        (folder / "main.py").write_text(MAIN.format(test_file=test_file), encoding="utf-8")
        return _run([sys.executable, "main.py"], folder, os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}, None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _lay_out(folder: Path, tests: str, module: str, test_file: str) -> None:
    (folder / test_file).write_text(tests, encoding="utf-8")
    shutil.copyfile(STANDIN, folder / f"{module}.py")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (folder / "main.py").write_text(MAIN.format(test_file=test_file), encoding="utf-8")


def _run(command: list[str], folder: Path | None, environment: dict[str, str] | None,
         kill: Callable[[], object] | None) -> TestRun:
    try:
        done = subprocess.run(command, cwd=folder, env=environment, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as expired:
        if kill is not None:
            kill()
        return TestRun(None, _text(expired.stdout))
    return TestRun(done.returncode, _text(done.stdout) + _text(done.stderr))


def _text(data: bytes | str | None) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")
    return text if len(text) <= OUTPUT_CHARS else text[:OUTPUT_CHARS // 2] + "\n...\n" + text[-OUTPUT_CHARS // 2:]
