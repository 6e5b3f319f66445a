"""Each written answer of an autograded notebook is followed by its rubric and model answer for the instructor,
taken from the assignment's source notebook; grades, graded cells and the formgrader's queue are untouched."""

from __future__ import annotations

import copy
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import labtesting
import nbformat
import pytest
from lab_contract import SOLUTION, STUB, autograded_points, manual_cells
from nbgrader.api import Gradebook
from nbgrader.preprocessors import CheckCellMetadata
from nbgrader.utils import compute_checksum, is_grade
from traitlets.config import Config

from grader.autograde import graded_cells
from grader.config import nbgrader_config
from grader.export import AWAITING
from grader.merge import cell_index, grade_id
from grader.rubrics import (
    MARK,
    RUBRIC_START,
    TITLE,
    AddRubrics,
    HideRubrics,
    is_rubric_cell,
    is_written_answer,
    solution_region,
    split_rubric,
)
from grader.scoring import autograde_preprocessors
from lambda_course.grading import COURSE_ID
from lambda_course.labs import ROOT as REPO_ROOT
from lambda_course.labs import lab

LAB8 = lab("lab8-eventbridge-vs-sqs")
LAB6 = lab("lab6-architecture")
RESOURCES = {"nbgrader": {"assignment": LAB8.id, "notebook": LAB8.id}}


def _add_rubrics(notebook: nbformat.NotebookNode, config: Config | None = None,
                 resources: dict | None = None) -> nbformat.NotebookNode:
    """`notebook` after the AddRubrics step, run with the course's configuration (or `config`)."""
    step = AddRubrics(config=config or nbgrader_config(), log=logging.getLogger("rubrics-test"))
    return step.preprocess(copy.deepcopy(notebook), copy.deepcopy(resources or RESOURCES))[0]


def _course_config(root: Path) -> Config:
    """The course's configuration with its root moved to `root`."""
    config = nbgrader_config()
    config.CourseDirectory.root = str(root)
    return config


def _rubric_after(notebook: nbformat.NotebookNode, answer: str) -> nbformat.NotebookNode:
    """The cell right after the written answer `answer`, which must be its rubric cell."""
    following = notebook.cells[cell_index(notebook, answer) + 1]
    assert is_rubric_cell(following) and following.metadata[MARK]["for"] == answer, following
    return following


def test_the_solution_region_splits_into_the_rubric_paragraph_and_the_model_answer():
    source = next(c for c in labtesting.solution(LAB8).cells if is_written_answer(c)).source
    rubric, answer = split_rubric(solution_region(source, "BEGIN SOLUTION", "END SOLUTION"))
    assert rubric.startswith("**Rubric** (3 points, graded by hand)") and "0.5 per scenario" in rubric
    assert answer.startswith("- payment-rate-limit:") and "instance-stopped" in answer
    assert "Rubric" not in answer and "SOLUTION" not in answer + rubric
    assert split_rubric("Just an answer.") == ("", "Just an answer.")
    assert solution_region("No delimiters here.", "BEGIN SOLUTION", "END SOLUTION") == "No delimiters here."


@pytest.mark.parametrize("assignment", [LAB8, LAB6], ids=lambda one: one.id)
def test_each_written_answer_of_a_submission_is_followed_by_its_rubric_and_model_answer(assignment):
    released = labtesting.released(assignment)
    resources = {"nbgrader": {"assignment": assignment.id, "notebook": assignment.id}}
    graded = _add_rubrics(released, resources=resources)
    answers = list(manual_cells(assignment))
    assert answers and len(graded.cells) == len(released.cells) + len(answers)
    sources = {grade_id(c): c.source for c in labtesting.solution(assignment).cells if is_written_answer(c)}
    for answer in answers:
        cell = _rubric_after(graded, answer)
        rubric, model = split_rubric(solution_region(sources[answer], "BEGIN SOLUTION", "END SOLUTION"))
        assert cell.cell_type == "markdown" and "nbgrader" not in cell.metadata and not is_grade(cell)
        assert cell.source.startswith(f"#### {TITLE}") and f"`{answer}`" in cell.source
        assert rubric in cell.source and rubric.startswith(RUBRIC_START)
        assert model.splitlines()[0] in cell.source and "SOLUTION" not in cell.source


def test_graded_cells_their_checksums_and_ids_are_untouched_and_nbgrader_finds_nothing_wrong():
    released = labtesting.released(LAB8)
    graded = _add_rubrics(released)
    originals = [c for c in graded.cells if not is_rubric_cell(c)]
    assert originals == released.cells
    assert [compute_checksum(c) for c in originals if is_grade(c)] == [
        compute_checksum(c) for c in released.cells if is_grade(c)]
    ids = [c["id"] for c in graded.cells]
    assert len(ids) == len(set(ids))
    nbformat.validate(graded)
    CheckCellMetadata().preprocess(graded, {})  # nbgrader's own check of the autograded notebook: raises if wrong


def test_a_missing_source_notebook_leaves_a_note_in_the_rubrics_place_and_a_warning(tmp_path: Path, caplog):
    released = labtesting.released(LAB8)
    with caplog.at_level(logging.WARNING, logger="rubrics-test"):
        graded = _add_rubrics(released, _course_config(tmp_path))
    for answer in manual_cells(LAB8):
        cell = _rubric_after(graded, answer)
        assert "No rubric could be shown" in cell.source and "could not be read" in cell.source
        assert "FileNotFoundError" in cell.metadata[MARK]["problem"]
        assert any(answer in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)
    assert [c for c in graded.cells if not is_rubric_cell(c)] == released.cells


def test_a_source_without_the_cell_or_its_rubric_line_says_so(tmp_path: Path, caplog):
    source = labtesting.solution(LAB8)
    answer = next(c for c in source.cells if is_written_answer(c))
    folder = tmp_path / "solutions" / LAB8.id
    folder.mkdir(parents=True)
    answer.source = answer.source.replace(RUBRIC_START, "Rubric")
    nbformat.write(source, folder / f"{LAB8.id}.ipynb")
    with caplog.at_level(logging.WARNING, logger="rubrics-test"):
        graded = _add_rubrics(labtesting.released(LAB8), _course_config(tmp_path))
    cell = _rubric_after(graded, grade_id(answer))
    assert "No rubric was found" in cell.source and "payment-rate-limit" in cell.source
    assert any("no line starting with" in record.getMessage() for record in caplog.records)
    answer.metadata["nbgrader"]["grade_id"] = "renamed"
    nbformat.write(source, folder / f"{LAB8.id}.ipynb")
    cell = _rubric_after(_add_rubrics(labtesting.released(LAB8), _course_config(tmp_path)), "q7-justify")
    assert "no written answer cell with this id" in cell.metadata[MARK]["problem"]


def test_a_learner_cell_posing_as_a_rubric_loses_the_mark_and_only_the_real_one_is_marked():
    released = labtesting.released(LAB8)
    forged = nbformat.v4.new_markdown_cell(f"#### {TITLE}\n\nFull marks for anything.",
                                           metadata={MARK: {"for": "q7-justify"}})
    released.cells.insert(0, forged)
    graded = _add_rubrics(released)
    assert MARK not in graded.cells[0].metadata
    assert [c.metadata[MARK]["for"] for c in graded.cells if is_rubric_cell(c)] == list(manual_cells(LAB8))


def test_the_autograde_pipeline_adds_rubrics_after_saving_grades_and_before_nbgrader_checks_the_cells():
    steps = autograde_preprocessors()
    assert steps.index(AddRubrics) == steps.index(CheckCellMetadata) - 1
    assert nbgrader_config().Autograde.autograde_preprocessors == steps


def test_feedback_keeps_rubrics_unless_the_course_hides_them():
    graded = _add_rubrics(labtesting.released(LAB8))
    assert HideRubrics in nbgrader_config().GenerateFeedback.preprocessors
    kept, _ = HideRubrics(config=nbgrader_config())(copy.deepcopy(graded), {})
    assert kept.cells == graded.cells
    config = nbgrader_config()
    config.HideRubrics.enabled = True
    hidden, _ = HideRubrics(config=config)(copy.deepcopy(graded), {})
    assert hidden.cells == labtesting.released(LAB8).cells


# ---- a lab 8 class graded with `lambda-course grade` ----


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> labtesting.GradedBatch:
    """The lab 8 solution (ada) and released stub (bo), graded once per test run."""
    notebooks = {SOLUTION: labtesting.solution(LAB8), STUB: labtesting.released(LAB8)}
    return labtesting.once_per_run(tmp_path_factory, "lab8-rubrics",
                                   lambda folder: labtesting.grade_notebooks(LAB8, notebooks, folder))


def _autograded(batch: labtesting.GradedBatch, learner: str) -> nbformat.NotebookNode:
    """A learner's autograded notebook, as the formgrader shows it."""
    return nbformat.read(batch.work / "autograded" / learner / LAB8.id / f"{LAB8.id}.ipynb", as_version=4)


def _graded_marks(notebook: nbformat.NotebookNode) -> list[tuple[str, float]]:
    """(grade id, points) of each graded cell, in order."""
    return [(c.metadata["nbgrader"]["grade_id"], c.metadata["nbgrader"]["points"]) for c in notebook.cells
            if is_grade(c)]


@pytest.mark.slow
@pytest.mark.notebook
def test_a_graded_lab8_notebook_shows_each_rubric_while_grades_and_manual_grading_stay_as_they_were(batch):
    assert batch.exit_code == 0, batch.output
    manual = manual_cells(LAB8)
    for learner in (SOLUTION, STUB):
        graded = _autograded(batch, learner)
        for answer in manual:
            assert "0.5 per scenario" in _rubric_after(graded, answer).source
        assert sum(map(is_rubric_cell, graded.cells)) == len(manual)
        assert _graded_marks(graded) == _graded_marks(labtesting.released(LAB8))
        tests = [c for c in graded.cells if is_grade(c) and not is_written_answer(c)]
        assert tests and all(compute_checksum(c) == c.metadata["nbgrader"]["checksum"] for c in tests)
    pending = labtesting.needs_manual_grade(batch, SOLUTION)
    assert {cell: pending[cell] for cell in manual} == dict.fromkeys(manual, True)
    assert batch.score(SOLUTION) == autograded_points(LAB8) and batch.score(STUB) == 0
    for question, points in graded_cells(LAB8.source()):
        expected = AWAITING if question in manual else f"{points:g}"
        assert batch.rows[SOLUTION][question] == expected, question


@pytest.mark.slow
@pytest.mark.notebook
def test_the_learners_feedback_shows_the_rubric_and_model_answer_once_graded(batch):
    page = batch.feedback(SOLUTION)
    assert TITLE.split(" (")[0] in page and "0.5 per scenario" in page and "Model answer" in page


# ---- plain `nbgrader autograde`, through the course's nbgrader_config.py ----

NBGRADER = Path(sys.executable).parent / "nbgrader"
PLAIN_CONFIG = '''\
"""The course's nbgrader settings for this folder."""

from pathlib import Path

from grader.config import CoursePaths, nbgrader_config

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.merge(nbgrader_config(CoursePaths(root=Path({root!r}), work=Path({work!r}))))
'''


def _nbgrader(root: Path, *args: str) -> str:
    """Run `nbgrader *args` in the course folder `root`, as an instructor's terminal would; its output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "JPY_"))}
    env |= {"HOME": str(root.parent), "PATH": os.pathsep.join([str(NBGRADER.parent), env.get("PATH", "")])}
    done = subprocess.run([str(NBGRADER), *args], cwd=root, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    return output


def _plain_scores(root: Path, learner: str) -> dict[str, tuple[float, bool]]:
    """(score, needs manual grade) of each graded cell of a learner's lab 8 submission, from the gradebook."""
    with Gradebook(f"sqlite:///{root / '.grading' / 'gradebook.db'}", COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(LAB8.id, LAB8.id, learner)
        return {grade.name: (float(grade.score), bool(grade.needs_manual_grade)) for grade in notebook.grades}


@pytest.mark.slow
@pytest.mark.notebook
def test_plain_nbgrader_autograde_adds_the_rubric_and_warns_when_the_source_is_gone(tmp_path: Path):
    if not NBGRADER.is_file():
        pytest.skip(f"no nbgrader script beside {sys.executable}")
    root, work = tmp_path / "course", tmp_path / "course" / ".grading"
    for folder in ("solutions", "labs"):
        shutil.copytree(REPO_ROOT / folder / LAB8.id, root / folder / LAB8.id)
    work.mkdir()
    (root / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(root=str(root), work=str(work)))
    _nbgrader(root, "generate_assignment", LAB8.id, "--force")
    submitted = work / "submitted" / SOLUTION / LAB8.id / f"{LAB8.id}.ipynb"
    submitted.parent.mkdir(parents=True)
    nbformat.write(labtesting.answered(LAB8), submitted)
    autograded = work / "autograded" / SOLUTION / LAB8.id / f"{LAB8.id}.ipynb"

    _nbgrader(root, "autograde", LAB8.id)
    assert "0.5 per scenario" in _rubric_after(nbformat.read(autograded, as_version=4), "q7-justify").source
    scores = _plain_scores(root, SOLUTION)
    assert scores["q7-justify"] == (0.0, True) and sum(s for s, _ in scores.values()) == autograded_points(LAB8)

    (root / "solutions" / LAB8.id / f"{LAB8.id}.ipynb").rename(tmp_path / "moved-away.ipynb")
    output = _nbgrader(root, "autograde", LAB8.id, "--force")
    assert "No rubric for the written answer 'q7-justify'" in output and "FileNotFoundError" in output
    assert "No rubric could be shown" in _rubric_after(nbformat.read(autograded, as_version=4), "q7-justify").source
    assert _plain_scores(root, SOLUTION) == scores
