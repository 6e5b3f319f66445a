"""The parts of trustworthy grading that need no kernel: metadata and output caps (the judge: test_judge_parts)."""

from __future__ import annotations

import json

import nbformat
import pytest
from hostile import LAB

from grader.merge import cell_by_id, grade_id, restore_lab_cells
from grader.trust.cells import trusted_metadata
from grader.trust.kernel import _clipped


@pytest.fixture
def released() -> nbformat.NotebookNode:
    return nbformat.read(LAB.released(), as_version=4)


def test_a_learner_cannot_raise_points_or_pass_off_a_cell_as_the_labs(released):
    learner = nbformat.from_dict(json.loads(json.dumps(released)))
    cell_by_id(learner, "q1-tests").metadata["nbgrader"]["points"] = 100
    own = nbformat.v4.new_code_cell("pass")
    own.metadata["nbgrader"] = {"grade_id": "q2-tests", "solution": True, "grade": True, "points": 9}
    sneaky = nbformat.v4.new_code_cell("x = 1")
    sneaky.metadata["nbgrader"] = {"grade": True, "points": 5}
    learner.cells += [own, sneaky]
    merged = restore_lab_cells(trusted_metadata(learner, released), released)
    points = {grade_id(c): c.metadata["nbgrader"].get("points") for c in merged.cells if grade_id(c)}
    assert points["q1-tests"] == 1 and points["q2-tests"] == 2
    assert cell_by_id(merged, "q2-tests").source == cell_by_id(released, "q2-tests").source
    assert "nbgrader" not in next(c for c in merged.cells if c.source == "x = 1").metadata
    assert "pass" not in [c.source for c in merged.cells]


def test_an_answer_turned_into_markdown_is_code_again(released):
    learner = nbformat.from_dict(json.loads(json.dumps(released)))
    cell_by_id(learner, "q2-answer").cell_type = "markdown"
    assert cell_by_id(trusted_metadata(learner, released), "q2-answer").cell_type == "code"


def test_outputs_are_cut_to_the_budget_with_a_note():
    msg = {"msg_type": "stream", "content": {"name": "stdout", "text": "x" * 5000}}
    cut = _clipped(msg, 100)
    assert cut["content"]["text"].startswith("x" * 100) and "truncated" in cut["content"]["text"]
    assert len(cut["content"]["text"]) < 200 and msg["content"]["text"] == "x" * 5000
    assert _clipped(msg, 10_000) is msg


def test_the_grader_s_own_python_environment_is_never_hidden_from_the_jail(tmp_path, monkeypatch):
    import sys

    from grader.trust.jail import course_hidden_paths

    for name in ("grader", "solutions", ".venv-oldest", "notes"):
        (tmp_path / name).mkdir()
    monkeypatch.setattr(sys, "prefix", str(tmp_path / ".venv-oldest"))
    hidden = course_hidden_paths(tmp_path)
    assert tmp_path / "solutions" in hidden and tmp_path / "notes" in hidden
    assert tmp_path / ".venv-oldest" not in hidden and tmp_path / "grader" not in hidden
