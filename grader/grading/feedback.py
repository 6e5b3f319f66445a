"""Feedback for learners: show each test cell's verdict and message, never its hidden tests or traceback."""

from __future__ import annotations

import jinja2
from nbconvert.exporters import HTMLExporter
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


class TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process (jinja checks each against its source)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (data := self.code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = TemplateCodeCache()


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, sharing compiled templates with every other feedback run in the process.

    nbgrader builds a new exporter for each run, and a class grading writes each learner's page in a run of
    its own; compiling nbconvert's templates anew took about a third of each page's time.
    """

    def _create_environment(self) -> jinja2.Environment:
        environment = super()._create_environment()
        environment.bytecode_cache = TEMPLATE_CODE
        return environment
