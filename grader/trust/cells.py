"""Take back the nbgrader metadata a learner could have changed, before their notebook is merged and graded.

A learner can edit any cell's metadata: raise a test's points, mark their own cell as a graded cell or as an
answer standing in for a test, or turn an answer into markdown. Every cell carrying one of the lab's ids gets
the released cell's metadata and type back; nbgrader metadata on any other cell is dropped, so a learner's
own cells are never graded and never replace a lab cell.
"""

from __future__ import annotations

import copy

import nbformat
from nbformat import NotebookNode

from grader.merge import grade_id


def trusted_metadata(learner: NotebookNode, released: NotebookNode) -> NotebookNode:
    """A copy of the learner's notebook with the lab's metadata on the lab's cells and none on the others."""
    lab_cells = {grade_id(c): c for c in released.cells if grade_id(c) is not None}
    cleaned = copy.deepcopy(learner)
    cells = []
    for cell in cleaned.cells:
        original = lab_cells.get(grade_id(cell))
        if original is None:
            cell.get("metadata", {}).pop("nbgrader", None)
        else:
            cell = _as_type(cell, original.cell_type)
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
        cells.append(cell)
    cleaned.cells = cells
    return cleaned


def _as_type(cell: NotebookNode, cell_type: str) -> NotebookNode:
    """The cell as `cell_type` (an answer turned into markdown becomes code again), keeping its source."""
    if cell.cell_type == cell_type:
        return cell
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    return make(cell.source, metadata=cell.get("metadata", {}))
