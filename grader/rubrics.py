"""Rubrics for the instructor: after each written answer of an autograded notebook, its rubric and model answer.

A written answer (an nbgrader cell that is graded and a solution) is graded by hand in nbgrader's formgrader,
which shows the learner's autograded notebook. Its rubric and model answer are in the solution region of the
same cell in the source notebook, which nbgrader strips on release, so the learner's notebook never holds them.
`AddRubrics`, a step of the course's autograde pipeline (scoring.autograde_preprocessors, which plain `nbgrader
autograde` runs too), reads nbgrader's `source/<assignment>/<notebook>.ipynb` and puts right after each such
cell a markdown cell with the rubric (the paragraph starting `**Rubric**`) and the model answer (the rest).
That cell has no nbgrader metadata, so it is never graded; graded cells, their checksums and ids are untouched.

When the source notebook or the cell cannot be read, the cell put there says what is missing, and nbgrader's
log carries a warning naming the cell: a rubric is never dropped in silence. The learner's grade does not
depend on it: scores are saved before this step, and it raises on nothing it reads.

Feedback: nbgrader writes learners' feedback from the autograded notebook, so by default the rubric and model
answer appear on the feedback page: once graded, a learner sees what was asked for and a model answer. To keep
them out of feedback (while some learners may still hand in, say), set `c.HideRubrics.enabled = True`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor
from traitlets import default

MARK = "grader_rubric"  # key of a rubric cell's metadata: {"for": grade id, "problem": why it is missing, if so}
TITLE = "Rubric for the instructor (not part of the learner's answer)"
RUBRIC_START = "**Rubric**"
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]")
_LONGEST_ID = 64  # nbformat's limit on a cell id


@dataclass(frozen=True)
class Rubric:
    """One written answer's rubric and model answer, as the source notebook's solution region holds them."""

    grade_id: str
    points: float
    rubric: str  # the paragraph starting with RUBRIC_START; "" when the region has none
    model_answer: str


def is_written_answer(cell: NotebookNode) -> bool:
    """A cell graded by hand that the learner writes in (graded, and a solution)."""
    return bool(utils.is_grade(cell) and utils.is_solution(cell))


def is_rubric_cell(cell: NotebookNode) -> bool:
    """A cell AddRubrics put in."""
    return MARK in cell.get("metadata", {})


def solution_region(source: str, begin: str, end: str) -> str:
    """The text between a cell's solution delimiters; the whole source when it has none (as nbgrader takes it)."""
    kept: list[str] = []
    inside = found = False
    for line in source.splitlines():
        if begin in line:
            inside = found = True
        elif end in line:
            inside = False
        elif inside:
            kept.append(line)
    return "\n".join(kept).strip() if found else source.strip()


def split_rubric(region: str) -> tuple[str, str]:
    """(rubric paragraph, model answer) of a solution region; the rubric is "" when no line starts one."""
    lines = region.splitlines()
    for start, line in enumerate(lines):
        if line.lstrip().startswith(RUBRIC_START):
            stop = start
            while stop < len(lines) and lines[stop].strip():
                stop += 1
            rest = lines[:start] + lines[stop:]
            return "\n".join(lines[start:stop]).strip(), "\n".join(rest).strip()
    return "", region.strip()


def rubrics_of(source: NotebookNode, begin: str, end: str) -> dict[str, Rubric]:
    """Each written answer's rubric in a source notebook, by grade id."""
    found: dict[str, Rubric] = {}
    for cell in source.cells:
        if is_written_answer(cell):
            marks = cell.metadata["nbgrader"]
            rubric, answer = split_rubric(solution_region(str(cell.source), begin, end))
            grade_id = str(marks["grade_id"])
            found[grade_id] = Rubric(grade_id, float(marks.get("points", 0)), rubric, answer)
    return found


def rubric_text(rubric: Rubric) -> str:
    """The markdown of a rubric cell: title, which answer it is for, the rubric and the model answer, quoted."""
    rule = rubric.rubric or f"*No rubric was found: no line of this answer's solution starts with `{RUBRIC_START}`.*"
    answer = "\n".join(f"> {line}".rstrip() for line in rubric.model_answer.splitlines()) or "> *(none written)*"
    return (f"#### {TITLE}\n\n*For the answer above (`{rubric.grade_id}`, {rubric.points:g} points, graded by "
            f"hand), from the assignment's source notebook.*\n\n{rule}\n\n**Model answer**\n\n{answer}")


def missing_text(grade_id: str, problem: str) -> str:
    """The markdown put where a rubric could not be found: what is missing and where to look instead."""
    return (f"#### {TITLE}\n\n**No rubric could be shown for the answer above (`{grade_id}`)**: {problem}. Grade "
            "it against the assignment's source notebook, and check that the notebook is where nbgrader's "
            "source folder says before autograding again.")


def rubric_cell(text: str, grade_id: str, problem: str = "") -> NotebookNode:
    """A read-only markdown cell, marked as a rubric, with no nbgrader metadata (so nothing grades it)."""
    marks: dict[str, Any] = {"for": grade_id} | ({"problem": problem} if problem else {})
    cell = nbformat.v4.new_markdown_cell(text, metadata={MARK: marks, "editable": False, "deletable": False})
    cell.pop("id", None)  # given by AddRubrics, unique in its notebook
    return cell


def free_id(grade_id: str, taken: set[str]) -> str:
    """A cell id for the rubric of `grade_id`, valid for nbformat and not in `taken`."""
    base = ("rubric-" + _ID_CHARACTERS.sub("-", grade_id))[: _LONGEST_ID - 4]
    found, count = base, 1
    while found in taken:
        count += 1
        found = f"{base}-{count}"
    return found


class AddRubrics(NbGraderPreprocessor):
    """After each written answer, a markdown cell with its rubric and model answer from the source notebook."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        self._unmark_learner_cells(nb)
        answers = [index for index, cell in enumerate(nb.cells) if is_written_answer(cell)]
        if not answers:
            return nb, resources
        rubrics, problem = self._source_rubrics(resources)
        taken = {str(cell["id"]) for cell in nb.cells if "id" in cell}
        with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
        for index in reversed(answers):
            cell = self._cell_for(str(nb.cells[index].metadata["nbgrader"]["grade_id"]), rubrics, problem)
            if with_ids:
                cell["id"] = free_id(cell.metadata[MARK]["for"], taken)
                taken.add(cell["id"])
            nb.cells.insert(index + 1, cell)
        return nb, resources

    def _cell_for(self, grade_id: str, rubrics: dict[str, Rubric], problem: str) -> NotebookNode:
        """The rubric cell of one answer, or the cell saying why there is none (with a warning in the log)."""
        rubric = rubrics.get(grade_id)
        if rubric is None:
            why = problem or "the source notebook has no written answer cell with this id"
            self.log.warning("No rubric for the written answer %r: %s", grade_id, why)
            return rubric_cell(missing_text(grade_id, why), grade_id, why)
        if not rubric.rubric:
            self.log.warning("The written answer %r has no line starting with %s in its solution; only its model "
                             "answer is shown", grade_id, RUBRIC_START)
        return rubric_cell(rubric_text(rubric), grade_id)

    def _source_rubrics(self, resources: ResourcesDict) -> tuple[dict[str, Rubric], str]:
        """The source notebook's rubrics by grade id, or none and why they could not be read."""
        try:
            path = self.source_notebook(resources)
            source = nbformat.read(path, as_version=4)
            delimiters = ClearSolutions(parent=self)
            return rubrics_of(source, delimiters.begin_solution_delimeter, delimiters.end_solution_delimeter), ""
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:  # a missing or damaged file
            return {}, f"the source notebook could not be read ({type(error).__name__}: {error})"

    def source_notebook(self, resources: ResourcesDict) -> Path:
        """Where nbgrader keeps the source of the notebook being graded: source/<assignment>/<notebook>.ipynb."""
        marks = resources["nbgrader"]
        coursedir = self._coursedir()
        folder = coursedir.format_path(coursedir.source_directory, ".", marks["assignment"])
        return Path(folder) / f"{marks['notebook']}.ipynb"

    def _coursedir(self) -> CourseDirectory:
        """The course folders of the nbgrader run this step is part of (its converter's), else from config."""
        owner = self.parent
        while owner is not None:
            found = getattr(owner, "coursedir", None)
            if isinstance(found, CourseDirectory):
                return found
            owner = getattr(owner, "parent", None)
        return CourseDirectory(config=self.config)

    def _unmark_learner_cells(self, nb: NotebookNode) -> None:
        """A cell that already carries the rubric mark was written by the learner: it keeps its text, not the mark."""
        for index, cell in enumerate(nb.cells):
            if is_rubric_cell(cell):
                del cell.metadata[MARK]
                self.log.warning("Cell %d came in marked as a rubric; it is the learner's own and kept as such",
                                 index + 1)


class HideRubrics(NbGraderPreprocessor):
    """Leave AddRubrics' cells out of learners' feedback; off by default (see the module's docstring)."""

    @default("enabled")
    def _enabled_default(self) -> bool:
        """Off: by default feedback shows the rubric and model answer of each written answer."""
        return False

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        nb.cells = [cell for cell in nb.cells if not is_rubric_cell(cell)]
        return nb, resources
