"""Visible test cells describe what they check in one line and never show the answer; hints come only on failure.

Each graded test cell of every lab keeps a `# Test:` line and wraps its visible checks in `hint_on_failure`,
whose hint (lambda_course/data/hints.toml) is added to the message of a check that fails. Neither a visible test
cell nor a hint may quote the lab's solution: no line of a `### BEGIN SOLUTION` region, and no run of its code
that names several things, may appear in them.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

from grader.trust.judge import Names, lab_names, run_test
from lambda_course import hints
from lambda_course.hints import HintMissing, hint_for, hint_on_failure
from lambda_course.labs import all_labs

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(all_labs())
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION", re.M | re.S)
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?(^[ \t]*### END HIDDEN TESTS[ \t]*\n?|\Z)", re.M | re.S)
SNIPPET_TOKENS = 6  # a run of up to this many tokens of solution code, from a name to a name, naming
SNIPPET_NAMES = 3  # at least this many things (names or strings)


def notebook(lab: str, folder: str = "solutions") -> nbformat.NotebookNode:
    return nbformat.read(ROOT / folder / lab / f"{lab}.ipynb", as_version=4)


def graded_tests(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The notebook's graded test cells (autograder tests, not answers)."""
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


def visible(source: str) -> str:
    """A test cell's source without its hidden tests: what a learner sees."""
    return HIDDEN.sub("", source)


def solution_code(nb: nbformat.NotebookNode) -> str:
    """Every `### BEGIN SOLUTION` region of the notebook's answer cells."""
    return "\n".join(m.group(1) for c in nb.cells if c.cell_type == "code" for m in SOLUTION.finditer(c.source))


TEXT_TOKEN = re.compile(r"""[A-Za-z_]\w*|\d+(?:\.\d+)?|"[^"\n]*"|'[^'\n]*'|\S""")


def _plain(token: str) -> str:
    """A token as compared: a string literal by its content, whatever its quotes and prefix."""
    quoted_string = re.fullmatch(r"""[rbfuRBFU]*("{3}|'{3}|"|')(.*)\1""", token, re.S)
    return quoted_string.group(2) if quoted_string else token


def code_tokens(code: str) -> list[tuple[bool, str]]:
    """Python tokens of solution code, as (names something, text), without comments or layout."""
    wanted = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in (tokenize.NAME, tokenize.OP, tokenize.STRING, tokenize.NUMBER):
                rich = token.type == tokenize.STRING or (
                    token.type == tokenize.NAME and not keyword.iskeyword(token.string))
                wanted.append((rich, _plain(token.string)))
    except (tokenize.TokenError, IndentationError):
        pass  # a fragment cut mid-statement: the tokens read so far are what there is to compare
    return wanted


def text_tokens(text: str) -> list[str]:
    """Tokens of any text (test code, its comments, a hint in prose), split as Python would split code."""
    return [_plain(token) for token in TEXT_TOKEN.findall(text)]


def solution_snippets(code: str) -> set[str]:
    """Lines and runs of tokens of solution code that name several things: each would give the answer away."""
    found = set()
    for line in code.splitlines():
        line_tokens = code_tokens(line.strip())
        if sum(rich for rich, _ in line_tokens) >= SNIPPET_NAMES:
            found.add(" ".join(text for _, text in line_tokens))
    stream = code_tokens(code)
    for start, (rich, _) in enumerate(stream):
        for window in (stream[start:start + size] for size in range(SNIPPET_NAMES, SNIPPET_TOKENS + 1)):
            if rich and window[-1][0] and sum(named for named, _ in window) >= SNIPPET_NAMES:
                found.add(" ".join(text for _, text in window))
    return found


def quoted(snippets: set[str], text: str) -> list[str]:
    """The snippets that appear in `text`, comments included, compared token by token."""
    joined = " " + " ".join(text_tokens(text)) + " "
    return sorted(s for s in snippets if f" {s} " in joined)


@pytest.mark.parametrize("lab", LABS)
def test_visible_test_cells_keep_one_line_saying_what_they_check_and_no_hint(lab):
    for folder in ("solutions", "labs"):
        for cell in graded_tests(notebook(lab, folder)):
            grade_id = cell.metadata.nbgrader.grade_id
            lines = visible(cell.source).strip().splitlines()
            assert lines[0].startswith("# Test: ") and len(lines[0]) > len("# Test: "), (folder, grade_id)
            assert not [line for line in lines if line.lstrip().startswith("#") and "Hint" in line], (folder, grade_id)
            assert lines[1] == f'with hint_on_failure("{lab}", "{grade_id}"):', (folder, grade_id)
            assert all(line.startswith("    ") or not line.strip() for line in lines[2:]), (folder, grade_id)


@pytest.mark.parametrize("lab", LABS)
def test_every_visible_test_has_one_hint_and_every_hint_a_test(lab):
    ids = {cell.metadata.nbgrader.grade_id for cell in graded_tests(notebook(lab))}
    assert set(hints.all_hints()[lab]) == ids


@pytest.mark.parametrize("lab", LABS)
def test_no_visible_test_cell_or_hint_quotes_the_solution(lab):
    nb = notebook(lab)
    released = notebook(lab, "labs")
    given = "\n".join(c.source for c in released.cells if c not in graded_tests(released))
    snippets = solution_snippets(solution_code(nb))
    snippets -= set(quoted(snippets, given))  # what the released lab already shows (an example call) gives nothing away
    assert snippets, "the lab's solution regions should have code to compare with"
    for cell in graded_tests(nb):
        grade_id = cell.metadata.nbgrader.grade_id
        assert quoted(snippets, visible(cell.source)) == [], grade_id
        assert quoted(snippets, hint_for(lab, grade_id)) == [], grade_id


def test_the_snippet_finder_catches_a_solution_line_and_a_fragment_of_one():
    code = 'total_with_tip = round(total + total * tip_percent / 100, 2)\nreturn {"a": 1}\n'
    snippets = solution_snippets(code)
    assert quoted(snippets, "# Hint: total_with_tip = round(total + total * tip_percent / 100, 2).")
    assert quoted(snippets, "use round(total + total * tip_percent ...)")
    assert not quoted(snippets, "# Test: split_bill adds the tip to the total")


def test_a_failing_check_carries_its_cells_hint_and_a_passing_one_says_nothing():
    hint = hint_for("lab1-first-handler", "q2-tests")
    with pytest.raises(AssertionError) as failure, hint_on_failure("lab1-first-handler", "q2-tests"):
        raise AssertionError("split_bill(84.60, 3, 15) gave {}, but it should give {...}.")
    assert str(failure.value) == f"split_bill(84.60, 3, 15) gave {{}}, but it should give {{...}}.\n\nHint: {hint}"
    with hint_on_failure("lab1-first-handler", "q2-tests"):
        pass


def test_no_hint_before_the_answer_is_tried_and_none_for_an_unknown_cell():
    with pytest.raises(NotImplementedError) as stub, hint_on_failure("lab1-first-handler", "q2-tests"):
        raise NotImplementedError()
    assert "Hint" not in str(stub.value)
    with pytest.raises(HintMissing, match="no hint"), hint_on_failure("lab1-first-handler", "q9-tests"):
        pass  # the cell fails even though its checks pass: a test without its hint is a mistake in the lab


class _NoKernel:
    """A link to a kernel that holds nothing: every learner name the test needs is given to the judge itself."""

    def ask(self, request: dict) -> dict:
        return {}


def _judged(lab: str, grade_id: str, learner: dict) -> tuple[bool, str]:
    """Judge one released test cell as the grader does, with `learner` standing for the learner's names."""
    nb = notebook(lab, "labs")
    own: dict = {}
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    lab_names(setup.source, own)
    cell = next(c for c in graded_tests(nb) if c.metadata.nbgrader.grade_id == grade_id)
    verdict = run_test(cell.source, grade_id, Names(_NoKernel(), own | learner))
    return verdict.passed, verdict.evalue


def test_the_graders_failure_message_ends_with_the_cells_hint():
    def split_bill(total, people, tip_percent=0):  # forgets the tip
        return {"total_with_tip": total, "per_person": round(total / people, 2), "people": people}

    passed, message = _judged("lab1-first-handler", "q2-tests", {"split_bill": split_bill})
    assert not passed
    assert "it should give" in message
    assert message.endswith(f"Hint: {hint_for('lab1-first-handler', 'q2-tests')}")


def test_a_passing_visible_test_shows_no_hint():
    def split_bill(total, people, tip_percent=0):
        with_tip = round(total * (1 + tip_percent / 100), 2)
        return {"total_with_tip": with_tip, "per_person": round(with_tip / people, 2), "people": people}

    passed, message = _judged("lab1-first-handler", "q2-tests", {"split_bill": split_bill})
    assert passed and message == ""
