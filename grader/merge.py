"""Put a lab's own cells back into a learner's notebook, keeping the learner's answers and extra cells.

Learners can edit or delete any cell. Before a notebook is checked or graded, every cell the lab owns
(instructions, set-up, tests) is taken from the released notebook, in its order; the learner's answer cells
and any cells they added (each after the lab cell it followed) are kept.
"""

from __future__ import annotations

import copy

from nbformat import NotebookNode


def restore_lab_cells(learner: NotebookNode, released: NotebookNode) -> NotebookNode:
    """The released notebook with the learner's answers and own cells put in their places."""
    answers = {grade_id(c): c for c in learner.cells if is_answer(c)}
    extras: dict[str | None, list[NotebookNode]] = {}
    anchor: str | None = None
    for cell in learner.cells:
        if grade_id(cell) is None:
            extras.setdefault(anchor, []).append(cell)
        else:
            anchor = grade_id(cell)
    merged = copy.deepcopy(released)
    cells = list(extras.get(None, []))
    for cell in merged.cells:
        key = grade_id(cell)
        cells.append(copy.deepcopy(answers[key]) if key in answers else cell)
        cells.extend(extras.get(key, []) if key is not None else [])
    merged.cells = cells
    return merged


def cell_index(nb: NotebookNode, wanted: str) -> int:
    """The position of the cell whose nbgrader id is `wanted` (ValueError when there is none)."""
    return [grade_id(cell) for cell in nb.cells].index(wanted)


def cell_by_id(nb: NotebookNode, wanted: str) -> NotebookNode:
    """The cell whose nbgrader id is `wanted`."""
    return nb.cells[cell_index(nb, wanted)]


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader id of a lab cell; None for a cell the learner added."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_test(cell: NotebookNode) -> bool:
    """True for a graded test cell (a code cell with points that is not an answer)."""
    marks = cell.get("metadata", {}).get("nbgrader", {})
    return bool(marks.get("grade")) and not marks.get("solution") and cell.get("cell_type") == "code"


def is_answer(cell: NotebookNode) -> bool:
    """True for a cell the learner writes their answer in."""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
