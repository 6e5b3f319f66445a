"""Submissions are data, never paths to follow: links, odd names, damaged timestamps and nbgrader's layout.

The unit tests build small class folders in tmp_path and check what `find_submissions` makes of each entry;
none starts a kernel. The end-to-end test grades a small class with the real `lambda-course grade`.
"""

from __future__ import annotations

import csv
import os
from argparse import Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
from lab1_submissions import LAB

from grader import autograde, classbook, parallel
from grader.autograde import (
    LabGrader,
    Submission,
    class_folder,
    find_submissions,
    is_learner_name,
    learner_name_problem,
)
from grader.config import CoursePaths
from grader.lateness import days_late, seconds_late, timestamp_from_text
from lambda_course import commands

NOTEBOOK = f"{LAB.id}.ipynb"
DUE = datetime(2026, 3, 2, tzinfo=UTC)
ON_TIME = "2026-03-01 12:34:56.789000 UTC"  # as `nbgrader submit` writes it
LATE = "2026-03-03 02:00:00.000000 UTC"  # 26 hours late: two started days
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


def small_notebook(text: str) -> nbformat.NotebookNode:
    """A one-cell notebook whose cell says `text`, so what was read can be told apart."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])


def write(path: Path, text: str) -> Path:
    """Write a small notebook saying `text` at `path` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(small_notebook(text), path)
    return path


def said(submission: Submission) -> str:
    """What the small notebook of a submission says, from the bytes read when it was found."""
    return nbformat.reads(submission.content.decode(), as_version=4).cells[0].source


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    """A stand-in for the lab's solution, outside the class's folder: what a link would reach."""
    return write(tmp_path / "solutions" / LAB.id / NOTEBOOK, "THE SOLUTION")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty class folder, with one honest learner so every test also checks the others are unharmed."""
    submissions = tmp_path / "submissions"
    write(submissions / "ada.ipynb", "ada's own work")
    return submissions


def found(folder: Path) -> dict[str, Submission]:
    """The submissions found in `folder`, by learner."""
    return {one.learner: one for one in find_submissions(folder, LAB)}


def assert_ada_is_fine(submissions: dict[str, Submission]) -> None:
    """The honest learner beside the odd entry is found and read as usual."""
    assert not submissions["ada"].problem and said(submissions["ada"]) == "ada's own work"


def assert_refused(submission: Submission, *words: str) -> None:
    """A refused submission: a reason naming `words`, nothing read, and never a solution's text."""
    assert submission.problem, submission
    for word in words:
        assert word in submission.problem, submission.problem
    assert submission.content is None
    assert submission.problem.isprintable() and submission.problem.isascii()


# ---- links ----


def test_a_notebook_that_is_a_symbolic_link_is_refused_not_followed(folder, solution):
    (folder / "mal.ipynb").symlink_to(solution)
    submissions = found(folder)
    assert_refused(submissions["mal"], "mal.ipynb is a symbolic link", "grade again")
    assert_ada_is_fine(submissions)


def test_a_link_to_a_solution_is_never_read_even_through_a_relative_path(folder, solution):
    (folder / "mal.ipynb").symlink_to(Path("..") / "solutions" / LAB.id / NOTEBOOK)
    assert (folder / "mal.ipynb").read_text() == solution.read_text()  # the link works, and is refused
    assert_refused(found(folder)["mal"], "symbolic link")


def test_a_learner_folder_that_is_a_symbolic_link_is_refused(folder, solution, tmp_path):
    (folder / "mal").symlink_to(solution.parent, target_is_directory=True)
    elsewhere = tmp_path / "other-folder"
    elsewhere.mkdir()
    (folder / "data").symlink_to(elsewhere, target_is_directory=True)  # leads to no lab notebook: not a learner
    submissions = found(folder)
    assert_refused(submissions["mal"], "mal is a symbolic link")
    assert set(submissions) == {"ada", "mal"}
    assert_ada_is_fine(submissions)


@pytest.mark.parametrize("link", [NOTEBOOK, LAB.id, f"{LAB.id}/{NOTEBOOK}"])
def test_a_link_inside_a_learner_folder_is_refused(folder, solution, link):
    place = folder / "mal" / link
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(solution.parent if link == LAB.id else solution)
    submissions = found(folder)
    assert_refused(submissions["mal"], f"mal/{link} is a symbolic link")
    assert_ada_is_fine(submissions)


def test_a_hard_link_is_refused_as_it_may_be_any_file(folder, solution, tmp_path):
    os.link(solution, folder / "mal.ipynb")
    own = write(folder / "bo" / NOTEBOOK, "bo's own work")
    (tmp_path / "data.csv").write_text("1,2\n")
    os.link(tmp_path / "data.csv", own.parent / "data.csv")  # another file's second name: bo's notebook is fine
    submissions = found(folder)
    assert_refused(submissions["mal"], "mal.ipynb is a hard link", "2 names")
    assert not submissions["bo"].problem and said(submissions["bo"]) == "bo's own work"
    assert_ada_is_fine(submissions)


def test_a_symbolic_link_as_timestamp_txt_is_refused(folder, tmp_path):
    write(folder / "bo" / NOTEBOOK, "bo's own work")
    stamp = tmp_path / "elsewhere.txt"
    stamp.write_text(ON_TIME)
    (folder / "bo" / "timestamp.txt").symlink_to(stamp)
    assert_refused(found(folder)["bo"], "bo/timestamp.txt is a symbolic link")


def test_a_fifo_is_refused_without_waiting_for_a_writer(folder):
    os.mkfifo(folder / "pipe.ipynb")
    submissions = found(folder)
    assert_refused(submissions["pipe"], "pipe.ipynb is not a regular file")
    assert_ada_is_fine(submissions)


def test_the_grader_refuses_a_link_handed_to_it_directly(tmp_path, solution, monkeypatch):
    grader = _grader_that_never_runs(tmp_path, monkeypatch)
    (tmp_path / "mal.ipynb").symlink_to(solution)
    result = grader.grade(Submission("mal", tmp_path / "mal.ipynb"))
    assert "mal.ipynb is a symbolic link" in result.error
    assert result.score == 0 and result.max_score == LAB.points


def test_a_refused_submission_is_reported_and_never_graded(tmp_path, folder, solution, monkeypatch):
    grader = _grader_that_never_runs(tmp_path, monkeypatch)
    (folder / "mal.ipynb").symlink_to(solution)
    refused = found(folder)["mal"]
    result = grader.grade(refused)
    assert result.error == refused.problem and result.score == 0 and result.max_score == LAB.points


def test_a_task_carries_the_bytes_that_were_checked_not_a_file_swapped_in_later(tmp_path, folder, solution):
    submissions = find_submissions(folder, LAB)
    (folder / "ada.ipynb").unlink()
    (folder / "ada.ipynb").symlink_to(solution)  # swapped for a link after it was found
    tasks = parallel.tasks(LAB.id, submissions, CoursePaths(work=tmp_path / "work"), None, 0.1, remote=False)
    assert [task.learner for task in tasks] == ["ada"]
    assert b"ada's own work" in tasks[0].notebook and b"THE SOLUTION" not in tasks[0].notebook


# ---- learner names ----


def test_a_file_named_dot_dot_ipynb_is_reported_under_a_safe_label_inside_the_folder(folder):
    write(folder / "...ipynb", "a file named ...ipynb")
    submissions = found(folder)
    odd = submissions["[...ipynb]"]
    assert_refused(odd, "'...ipynb' does not give a usable learner name", "'..' names a folder", "Rename it")
    assert odd.notebook.parent == folder
    assert not is_learner_name(odd.learner)
    assert_ada_is_fine(submissions)


ODD_NAMES = {
    "a space": "ha ha",
    "an escape sequence": "e\x1b[31mvil",
    "a newline": "two\nlines",
    "hidden": ".hidden",
    "a leading dash": "-rf",
    "a formula": "=cmd",
    "a backslash": "a\\b",
    "a glob": "*",
    "non-ASCII letters": "j\u00f6rg",
    "too long": "a" * 129,
}


@pytest.mark.parametrize("kind", ["file", "folder", "nbgrader folder"])
@pytest.mark.parametrize("name", ODD_NAMES.values(), ids=ODD_NAMES.keys())
def test_an_odd_name_is_that_submissions_error_under_a_printable_label(folder, name, kind):
    where = {"file": f"{name}.ipynb", "folder": f"{name}/{NOTEBOOK}", "nbgrader folder": f"{name}/{LAB.id}/{NOTEBOOK}"}
    write(folder / where[kind], "odd")
    submissions = found(folder)
    assert set(submissions) - {"ada"} and len(submissions) == 2
    (label,) = set(submissions) - {"ada"}
    assert label.startswith("[") and label.isprintable() and label.isascii(), label
    assert_refused(submissions[label], "does not give a usable learner name")
    assert submissions[label].notebook.parent == folder  # nothing named after it leaves the folder
    assert_ada_is_fine(submissions)


def test_learner_names_follow_nbgrader_student_ids_and_hub_user_names():
    for name in ("ada", "Ada_Lovelace", "a.b-c", "s1234567", "jane.doe@uni.edu", "user+1", "_x", "bob."):
        assert is_learner_name(name), name
    for name in ("", ".", "..", ".x", "-x", "+x", "@x", "a/b", "a b", "a\tb", "a\x00b", "*", "a" * 129):
        assert learner_name_problem(name), name


# ---- timestamp.txt ----


DAMAGED_STAMPS = {
    "words": b"handed in on Tuesday",
    "not text": b"\xff\xfe\x00\x01",
    "a month 13": b"2026-13-01 12:00:00 UTC",
    "a path for a zone": b"2026-03-01 12:00:00 /etc/passwd",
    "a relative path for a zone": b"2026-03-01 12:00:00 ../../../etc/passwd",
    "beyond the calendar": b"9999-12-31 23:59:59 -1200",
    "a huge number": b"99999999999999999999",
    "too long": b"2026-03-01 12:00:00 UTC" + b"!" * 5000,
}


@pytest.mark.parametrize("layout", ["own folder", "nbgrader"])
@pytest.mark.parametrize("content", DAMAGED_STAMPS.values(), ids=DAMAGED_STAMPS.keys())
def test_a_damaged_timestamp_is_that_learners_error_and_the_others_are_found(folder, content, layout):
    place = folder / "bo" if layout == "own folder" else folder / "bo" / LAB.id
    write(place / NOTEBOOK, "bo's own work")
    (place / "timestamp.txt").write_bytes(content)
    write(folder / "cy" / NOTEBOOK, "cy's own work")
    submissions = found(folder)
    shown = "bo/timestamp.txt" if layout == "own folder" else f"bo/{LAB.id}/timestamp.txt"
    assert_refused(submissions["bo"], shown, "when it was handed in is unknown", "--learner")
    assert not submissions["cy"].problem and said(submissions["cy"]) == "cy's own work"
    assert_ada_is_fine(submissions)


def test_an_empty_timestamp_falls_back_to_the_file_time_with_a_note(folder):
    notebook = write(folder / "bo" / NOTEBOOK, "bo's own work")
    (folder / "bo" / "timestamp.txt").write_text("\n")
    os.utime(notebook, (LONG_AGO, LONG_AGO))
    bo = found(folder)["bo"]
    assert not bo.problem and bo.submitted_at == datetime(2020, 1, 1, tzinfo=UTC)
    assert bo.notes and "timestamp.txt is empty" in bo.notes[0]


def test_timestamp_text_is_read_as_nbgrader_writes_it():
    assert timestamp_from_text(ON_TIME + "\n") == datetime(2026, 3, 1, 12, 34, 56, 789000, tzinfo=UTC)
    assert timestamp_from_text("2026-03-01T13:00:00+01:00") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert timestamp_from_text("2026-03-01 07:00:00 EST") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert timestamp_from_text(" \n ") is None
    with pytest.raises(ValueError, match="'garbage' is not a date and time"):
        timestamp_from_text("garbage")


# ---- nbgrader's collected layout, and mixed layouts ----


def _collected(submitted: Path, learner: str, stamp: str, text: str) -> Path:
    """A submission as `nbgrader collect` leaves it: submitted/<learner>/<lab>/<lab>.ipynb and timestamp.txt."""
    notebook = write(submitted / learner / LAB.id / NOTEBOOK, text)
    (notebook.parent / "timestamp.txt").write_text(stamp)
    os.utime(notebook, (LONG_AGO, LONG_AGO))  # the file time is not what counts
    return notebook


def test_nbgraders_submitted_folder_is_graded_with_its_timestamps(tmp_path):
    submitted = tmp_path / "submitted"
    _collected(submitted, "ada", ON_TIME, "ada's own work")
    _collected(submitted, "bo", LATE, "bo's own work")
    write(submitted / "cy" / "lab2-event-driven-etl" / "lab2-event-driven-etl.ipynb", "another lab")
    submissions = found(submitted)
    assert set(submissions) == {"ada", "bo"}
    ada, bo = submissions["ada"], submissions["bo"]
    assert said(ada) == "ada's own work" and said(bo) == "bo's own work"
    assert ada.submitted_at == datetime(2026, 3, 1, 12, 34, 56, 789000, tzinfo=UTC)
    assert bo.submitted_at == datetime(2026, 3, 3, 2, tzinfo=UTC)
    assert days_late(seconds_late(ada.submitted_at, DUE)) == 0
    assert days_late(seconds_late(bo.submitted_at, DUE)) == 2
    assert ada.class_folder() == submitted  # what the learner's code is kept from: the whole class


def test_an_nbgrader_course_folder_stands_for_its_submitted_folder(tmp_path):
    course = tmp_path / "course"
    (course / "nbgrader_config.py").parent.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    for step in ("source", "release"):
        write(course / step / LAB.id / NOTEBOOK, f"the {step} notebook")  # not learners
    _collected(course / "submitted", "ada", ON_TIME, "ada's own work")
    assert class_folder(course) == course / "submitted"
    submissions = found(course)
    assert list(submissions) == ["ada"] and said(submissions["ada"]) == "ada's own work"
    assert class_folder(course / "submitted") == course / "submitted"
    (course / "nbgrader_config.py").unlink()
    assert class_folder(course) == course  # no longer a course: its folders are read as learners'


def test_mixed_layouts_and_odd_entries_leave_every_valid_learner_found(folder, solution):
    write(folder / "bo" / NOTEBOOK, "bo's own work")
    (folder / "bo" / "timestamp.txt").write_text(LATE)
    _collected(folder, "cy", ON_TIME, "cy's own work")
    write(folder / "dee.ipynb", "dee's own work")
    write(folder / "...ipynb", "odd")
    (folder / "mal.ipynb").symlink_to(solution)
    (folder / "stamp").mkdir()
    (folder / "stamp" / NOTEBOOK).write_text("{}")
    (folder / "stamp" / "timestamp.txt").write_text("garbage")
    write(folder / ".ipynb_checkpoints" / "ada-checkpoint.ipynb", "a checkpoint")  # not a submission
    write(folder / "eve" / "lab2-event-driven-etl.ipynb", "another lab")  # not a submission of this lab
    (folder / "notes.txt").write_text("not a notebook")
    submissions = find_submissions(folder, LAB)
    assert [one.learner for one in submissions] == ["[...ipynb]", "ada", "bo", "cy", "dee", "mal", "stamp"]
    by_learner = {one.learner: one for one in submissions}
    for learner in ("ada", "bo", "cy", "dee"):
        assert not by_learner[learner].problem and said(by_learner[learner]) == f"{learner}'s own work"
    assert by_learner["bo"].submitted_at == datetime(2026, 3, 3, 2, tzinfo=UTC)
    assert by_learner["cy"].submitted_at == datetime(2026, 3, 1, 12, 34, 56, 789000, tzinfo=UTC)
    for learner in ("[...ipynb]", "mal", "stamp"):
        assert by_learner[learner].problem
    assert all(b"THE SOLUTION" not in (one.content or b"") for one in submissions)


def test_a_learner_with_two_submissions_gets_one_refused_entry(folder):
    write(folder / "ada" / NOTEBOOK, "ada's other copy")
    submissions = find_submissions(folder, LAB)
    assert [one.learner for one in submissions] == ["ada"]
    assert_refused(submissions[0], "more than one submission", "ada.ipynb", f"ada/{NOTEBOOK}")


def test_two_notebooks_in_one_learner_folder_are_refused(folder):
    write(folder / "bo" / NOTEBOOK, "one")
    write(folder / "bo" / LAB.id / NOTEBOOK, "two")
    assert_refused(found(folder)["bo"], "two notebooks")


# ---- the grade command with refused submissions ----


def test_the_grade_command_reports_refused_submissions_and_never_records_an_odd_name(tmp_path, solution,
                                                                                      monkeypatch, capsys):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "mal.ipynb").symlink_to(solution)
    write(folder / "...ipynb", "odd")
    recorded: list[str] = []
    monkeypatch.setattr(LabGrader, "prepare", lambda self: None)  # nothing is graded: no lab to prepare
    monkeypatch.setattr(classbook, "record", lambda grader, graded: recorded.append(graded.result.learner))
    work = tmp_path / "work"
    args = Namespace(lab=LAB.id, submissions=str(folder), learner=None, work=str(work), due=None, workers=1,
                     scheduler=None, late_penalty=None)
    assert commands.grade(args) == commands.FAILED
    out = capsys.readouterr().out
    assert "mal ... error: mal.ipynb is a symbolic link" in out
    assert "[...ipynb] ... error: '...ipynb' does not give a usable learner name" in out
    assert recorded == ["mal"]  # a refused learner's earlier grading is cleared; an odd name is never a file
    with (work / f"{LAB.id}-scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"[...ipynb]", "mal"} and all(float(row["total"]) == 0 for row in rows.values())
    assert "[...ipynb]" not in (work / f"{LAB.id}-canvas.csv").read_text()


def test_an_empty_folder_names_every_layout_it_accepts(tmp_path, capsys):
    (tmp_path / "submissions").mkdir()
    args = Namespace(lab=LAB.id, submissions=str(tmp_path / "submissions"), learner=None, work=None)
    assert commands.grade(args) == commands.UNUSABLE
    out = capsys.readouterr().out
    assert f"<learner>/{LAB.id}/{NOTEBOOK}" in out and "submitted/" in out


def _grader_that_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LabGrader:
    """A grader for lab 1 whose nbgrader run fails the test if it is ever reached."""
    def never(*args: Any, **kwargs: Any) -> list[str]:
        raise AssertionError("a refused submission must never be run")

    monkeypatch.setattr(autograde, "autograde_in_jail", never)
    return LabGrader(LAB, CoursePaths(work=tmp_path / "work"))


# ---- end to end ----


@pytest.mark.slow
@pytest.mark.notebook
def test_grading_a_class_with_a_link_an_odd_name_and_a_damaged_timestamp(tmp_path):
    from labtesting import answered, failed_cells, grade_folder

    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(answered(LAB), folder / "ada.ipynb")  # honest: the solution's answers in the released notebook
    (folder / "mal.ipynb").symlink_to(LAB.source())  # the instructors' own notebook, hidden tests and all
    nbformat.write(answered(LAB), folder / "...ipynb")
    (folder / "bo").mkdir()
    nbformat.write(answered(LAB), folder / "bo" / NOTEBOOK)
    (folder / "bo" / "timestamp.txt").write_text("sometime on Tuesday")
    batch = grade_folder(LAB, folder, tmp_path / "work")

    assert "Traceback" not in batch.output, batch.output
    assert batch.exit_code == commands.FAILED  # some submissions could not be graded
    assert batch.score("ada") == LAB.points and not batch.rows["ada"]["error"], failed_cells(batch.work, "ada", LAB.id)
    assert "HIDDEN TESTS" not in batch.feedback("ada")
    assert batch.score("mal") == 0 and "mal.ipynb is a symbolic link" in batch.rows["mal"]["error"]
    assert not (batch.work / "feedback" / "mal").exists()
    assert batch.score("[...ipynb]") == 0 and "usable learner name" in batch.rows["[...ipynb]"]["error"]
    assert batch.score("bo") == 0 and "bo/timestamp.txt is damaged" in batch.rows["bo"]["error"]
    canvas = (batch.work / f"{LAB.id}-canvas.csv").read_text()
    assert "ada" in canvas and "[...ipynb]" not in canvas
    assert sorted(path.name for path in (batch.work / "feedback").iterdir()) == ["ada"]
