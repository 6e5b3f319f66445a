"""Build the hostile lab 1 submissions described in hostile_lab1.toml, and read back what grading expects."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.merge import cell_by_id, cell_index
from lambda_course.labs import lab

DATA = Path(__file__).with_name("hostile_lab1.toml")
LAB = lab("lab1-first-handler")


@dataclass
class Hostile:
    """One fixture: who, what it does, how to build it, and what grading must conclude."""

    learner: str
    about: str
    spec: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: Path, values: dict[str, str]) -> Path:
        """Write the submission as `<learner>.ipynb` in `folder`."""
        path = folder / f"{self.learner}.ipynb"
        if self.spec["base"] == "raw":
            path.write_text(self.spec["raw"])
        else:
            nbformat.write(self.notebook(values), path)
        return path

    def notebook(self, values: dict[str, str]) -> nbformat.NotebookNode:
        """The submission's notebook: its base with every edit applied."""
        nb = _base(self.spec)
        for edit in self.spec.get("edits", []):
            _apply(nb, edit, values)
        if fake := self.spec.get("fake_ids"):  # a learner's cell dressed up as one of the lab's
            marks = {k: v for k, v in fake.items() if k != "after"}
            nb.cells[cell_index(nb, fake["after"]) + 1].metadata["nbgrader"] = marks
        for grade_id, cell_type in self.spec.get("cell_types", {}).items():
            cell = cell_by_id(nb, grade_id)
            cell.cell_type = cell_type
            if cell_type == "markdown":
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        return nb


def fixtures() -> list[Hostile]:
    """Every fixture, in the order they are graded."""
    data = tomllib.loads(DATA.read_text())
    found = [Hostile(s["learner"], s["about"], s, s.get("expect", {})) for s in data["submission"]]
    for one in found:
        one.spec.setdefault("wrong", data["wrong"])
    return found


def _base(spec: dict[str, Any]) -> nbformat.NotebookNode:
    released = nbformat.read(LAB.released(), as_version=4)
    solution = nbformat.read(LAB.source(), as_version=4)
    if spec["base"] == "solution":
        return solution
    if spec["base"] == "lab":
        return nbformat.read(lab(spec["lab"]).released(), as_version=4)
    for grade_id in spec.get("answers", []):
        cell_by_id(released, grade_id).source = cell_by_id(solution, grade_id).source
    if spec["base"] == "wrong":
        for grade_id, code in spec["wrong"].items():
            cell_by_id(released, grade_id).source = code.strip()
    return released


def _apply(nb: nbformat.NotebookNode, edit: dict[str, Any], values: dict[str, str]) -> None:
    code = string.Template(edit.get("code", "")).substitute(values)
    if "after" in edit:
        nb.cells.insert(cell_index(nb, edit["after"]) + 1, nbformat.v4.new_code_cell(code))
    elif "replace" in edit:
        cell_by_id(nb, edit["replace"]).source = code
    elif "append" in edit:
        cell_by_id(nb, edit["append"]).source += "\n" + code
    elif "delete" in edit:
        for grade_id in edit["delete"]:
            del nb.cells[cell_index(nb, grade_id)]
    elif "metadata" in edit:
        cell_by_id(nb, edit["metadata"]).metadata["nbgrader"].update(edit["set"])
    else:
        raise ValueError(f"unknown edit {edit}")
