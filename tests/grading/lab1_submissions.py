"""Lab 1 submissions of known quality, built from the solution and released notebooks."""

from __future__ import annotations

import nbformat

from grader.merge import cell_by_id as cell
from grader.merge import cell_index
from lambda_course.labs import lab

LAB = lab("lab1-first-handler")


def solution_nb() -> nbformat.NotebookNode:
    """The instructors' notebook: every answer correct."""
    return nbformat.read(LAB.source(), as_version=4)


def released_nb() -> nbformat.NotebookNode:
    """The learners' notebook as released: every answer a stub."""
    return nbformat.read(LAB.released(), as_version=4)


def answered(grade_ids: list[str]) -> nbformat.NotebookNode:
    """The released notebook with the solution's answers filled in for `grade_ids` only."""
    nb, solution = released_nb(), solution_nb()
    for grade_id in grade_ids:
        cell(nb, grade_id).source = cell(solution, grade_id).source
    return nb


def partial_with_deleted_and_edited_tests() -> nbformat.NotebookNode:
    """Questions 1 and 2 answered, the rest stubs; a passing and a failing test deleted, one test emptied."""
    nb = answered(["q1-answer", "q2-answer"])
    cell(nb, "q3-tests-valid").source = "pass  # the learner emptied this test"
    for grade_id in ("q1-tests", "q3-tests-invalid"):
        del nb.cells[cell_index(nb, grade_id)]
    return nb


def noisy_reference() -> nbformat.NotebookNode:
    """A correct notebook whose handler logs a warning and writes to stderr on every request."""
    nb = answered(["q1-answer", "q2-answer", "q3-answer", "q4-answer"])
    handler_cell = cell(nb, "q3-answer")
    noise = (
        '    logging.getLogger("bill").warning("bill request received")\n'
        '    print("debug: handling a bill", file=sys.stderr)\n'
        '    warnings.warn("tips above 100 percent will be refused", stacklevel=1)\n'
    )
    marker = "    ### BEGIN SOLUTION\n"
    assert marker in handler_cell.source
    handler_cell.source = "import logging\nimport sys\nimport warnings\n" + handler_cell.source.replace(
        marker, marker + noise, 1
    )
    return nb
