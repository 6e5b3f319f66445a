"""`lambda-course check`: runs the learner's notebook with the released tests and explains each result."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from lab1_submissions import LAB, cell, cell_index, released_nb, solution_nb

from grader.merge import restore_lab_cells
from lambda_course.cli import main

TITLES = [
    "json_response builds an HTTP answer with a JSON body",
    "split_bill adds the tip and shares the bill",
    "the handler answers a valid POST with the shared bill",
    "the handler answers bad requests with a 4xx and an error message, without raising",
    "the deployed function answers like your handler",
]


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("lab1-selfcheck")
def test_a_finished_lab_passes_with_exit_code_0(tmp_path: Path, capsys):
    path = tmp_path / f"{LAB.id}.ipynb"
    nbformat.write(solution_nb(), path)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert all("PASS  " in line for line in out.splitlines() if any(t in line for t in TITLES))
    assert sum(title in out for title in TITLES) == len(TITLES)
    assert "10 of 10 points pass" in out


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.xdist_group("lab1-selfcheck")
def test_an_unfinished_lab_fails_with_messages_and_hints_not_tracebacks(tmp_path: Path, capsys):
    nb = released_nb()
    cell(nb, "q2-answer").source = "def split_bill(total, people, tip_percent=0)\n    return {}\n"
    del nb.cells[cell_index(nb, "q1-tests")]
    path = tmp_path / "my-copy.ipynb"  # not named after the lab: found by its cells
    nbformat.write(nb, path)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert sum(title in out for title in TITLES) == len(TITLES), "a deleted test must still be reported"
    assert out.count("FAIL  ") == len(TITLES)
    assert "not written yet" in out and "Hint:" not in out  # no hint before an answer has been tried
    assert "Your code in cell 'q2-answer' stopped with an error" in out and "SyntaxError" in out
    assert "Traceback" not in out and "checks.py" not in out
    assert "0 of 10 points pass" in out


def test_a_missing_or_foreign_notebook_is_explained_with_exit_code_2(tmp_path: Path, capsys):
    assert main(["check", str(tmp_path / "nowhere.ipynb")]) == 2
    assert "There is no notebook" in capsys.readouterr().out
    foreign = tmp_path / "notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), foreign)
    assert main(["check", str(foreign)]) == 2
    assert "is not one of the course's labs" in capsys.readouterr().out


def test_released_tests_replace_edited_and_deleted_ones_and_learner_cells_stay():
    learner = solution_nb()
    cell(learner, "q2-tests").source = "pass"
    del learner.cells[cell_index(learner, "q1-tests")]
    scratch = nbformat.v4.new_code_cell("print('trying things')")
    learner.cells.insert(cell_index(learner, "q2-answer") + 1, scratch)
    merged = restore_lab_cells(learner, released_nb())
    assert cell(merged, "q2-tests").source == cell(released_nb(), "q2-tests").source
    assert cell(merged, "q1-tests").source == cell(released_nb(), "q1-tests").source
    assert cell(merged, "q2-answer").source == cell(solution_nb(), "q2-answer").source
    assert merged.cells[cell_index(merged, "q2-answer") + 1].source == scratch.source
