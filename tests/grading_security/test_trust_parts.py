"""The parts of trustworthy grading that need no kernel: metadata, recheck cells, reconciling, output caps."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from hostile import LAB

from grader.grading.merge import cell_by_id, grade_id, restore_lab_cells
from grader.grading.trust.cells import trusted_metadata
from grader.grading.trust.grading import reconcile
from grader.grading.trust.kernel import _clipped
from grader.grading.trust.recheck import Recheck, recheck_cells


@pytest.fixture
def released() -> nbformat.NotebookNode:
    return nbformat.read(LAB.released(), as_version=4)


@pytest.fixture
def source() -> nbformat.NotebookNode:
    return nbformat.read(LAB.source(), as_version=4)


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


def test_recheck_runs_the_sources_tests_with_the_learners_answers(released, source):
    learner = nbformat.from_dict(json.loads(json.dumps(released)))
    cell_by_id(learner, "q1-answer").source = "def json_response(*args): return 'mine'"
    cell_by_id(learner, "q1-tests").source = "pass  # edited by the learner"
    learner.cells.insert(3, nbformat.v4.new_code_cell("print('my own cell')"))
    del learner.cells[[grade_id(c) for c in learner.cells].index("q4-tests")]
    cells = recheck_cells(learner, source)
    by_id = {c.grade_id: c for c in cells}
    assert by_id["q1-answer"].source.endswith("'mine'") and by_id["q1-answer"].kind == "answer"
    assert by_id["q1-tests"].source == cell_by_id(source, "q1-tests").source
    assert "BEGIN HIDDEN TESTS" in by_id["q1-tests"].source and by_id["q1-tests"].points == 1
    assert by_id["q4-tests"].kind == "test"  # deleted, still run
    assert [c.kind for c in cells if c.grade_id is None] == ["extra"]
    assert sum(c.points for c in cells) == LAB.points


def test_the_lower_score_counts_and_every_disagreement_is_explained():
    final, notes = reconcile({"q1": 1.0, "q2": 2.0, "q3": 0.0}, Recheck({"q1": 0.0, "q2": 2.0, "q3": 3.0}))
    assert final == {"q1": 0.0, "q2": 2.0, "q3": 0.0}
    assert len(notes) == 2 and notes[0].startswith("q1: the notebook run gave 1") and "q3" in notes[1]


def test_a_missing_recheck_score_counts_as_zero():
    final, notes = reconcile({"q1": 1.0}, Recheck({}))
    assert final == {"q1": 0.0} and notes


def test_outputs_are_cut_to_the_budget_with_a_note():
    msg = {"msg_type": "stream", "content": {"name": "stdout", "text": "x" * 5000}}
    cut = _clipped(msg, 100)
    assert cut["content"]["text"].startswith("x" * 100) and "truncated" in cut["content"]["text"]
    assert len(cut["content"]["text"]) < 200 and msg["content"]["text"] == "x" * 5000
    assert _clipped(msg, 10_000) is msg


def test_worker_protocol_survives_prints_and_exits(tmp_path):
    cells = [{"grade_id": None, "kind": "extra", "points": 0, "source": "print('{\"event\": \"end\"}')"},
             {"grade_id": "t", "kind": "test", "points": 1, "source": "assert 1 + 1 == 2"},
             {"grade_id": "u", "kind": "test", "points": 1, "source": "raise SystemExit(0)"},
             {"grade_id": "v", "kind": "test", "points": 1, "source": "%time x = 1\nassert x == 1"}]
    (tmp_path / "cells.json").write_text(json.dumps(cells))
    run = subprocess.run([sys.executable, "-m", "grader.grading.trust.worker", "cells.json", "[]"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    events = [json.loads(line) for line in run.stdout.splitlines()]
    done = {e["cell"]: e["ok"] for e in events if e.get("event") == "done"}
    assert done == {0: True, 1: True, 2: False, 3: True}
    assert events[-1] == {"event": "end"} and not (tmp_path / "cells.json").exists()
