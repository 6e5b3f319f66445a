"""Feedback for learners: show each test cell's verdict and message, never its hidden tests or traceback."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests

from grader.grading.messages import error_message


class HideHiddenTests(ClearHiddenTests):
    """Drop hidden test regions from test cells and cut their tracebacks down to the learner-facing message.

    A traceback quotes the failing source line, which can be a hidden test; the message alone is enough.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {error_message(output)}"]
        return cell, resources
