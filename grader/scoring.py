"""A test cell scores by whether it raised, never by the value it happens to display.

nbgrader reads a test cell's displayed result as a partial score: a cell ending in a call that returns 0.5
would earn 0.5 points whatever it is worth, and one ending in `False` (not a number) would earn all of them.
The course's tests signal failure only by raising, so displayed results are dropped from test cells before
nbgrader scores them.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    SaveAutoGrades,
)

from grader.rubrics import AddRubrics
from grader.trust.kernel import JailedExecute


class DropTestCellResults(NbGraderPreprocessor):
    """Remove `execute_result` outputs from graded test cells, so only an error can lower their score."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            cell.outputs = [out for out in cell.outputs if out.output_type != "execute_result"]
        return cell, resources


def autograde_preprocessors() -> list:
    """nbgrader's autograde steps, with the course's jailed, judged Execute, test cell results dropped, and each
    written answer followed by its rubric for the instructor (grader/rubrics.py).

    Every way of autograding reads this list (the course's nbgrader_config.py, `lambda-course grade`), so none
    runs a submission with nbgrader's plain Execute.
    """
    return [
        JailedExecute,
        IgnorePattern,
        DropTestCellResults,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        AddRubrics,
        CheckCellMetadata,
    ]
