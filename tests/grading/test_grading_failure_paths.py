"""Every broad `except` of the grading engine fails closed: what failed is that learner's error, with 0 points.

Each test forces one failure (a damaged file, or a called function made to raise) and checks what the learner,
the other learners and the log get. None of them starts a kernel or a jail.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import textwrap
from argparse import Namespace
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest
from lab1_submissions import LAB, released_nb
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError
from nbgrader.utils import determine_grade

from grader import autograde, classgrading, parallel
from grader.autograde import LabGrader, Result, Submission, graded_cells
from grader.config import CoursePaths, nbgrader_config
from grader.course import GradedCourse
from grader.merge import cell_by_id
from grader.parallel import Graded, Task, graded
from grader.runner import NbgraderFailed, run_converter
from grader.trust import zygote
from grader.trust.kernel import JailedExecute
from lambda_course import commands

MAX_SCORES = dict(graded_cells(LAB.source()))
DUE = datetime(2026, 3, 2, tzinfo=UTC)

# Damaged files, each with the kind of error nbformat raises for it: any of them may be handed in.
DAMAGED_FILES = {
    "truncated JSON": (b'{"cells": [', "NotJSONError"),
    "not UTF-8": ('{"cells": "\xe9"}'.encode("latin-1"), "UnicodeDecodeError"),
    "a JSON list": (b"[1, 2]", "AttributeError"),
    "version 3 with a broken worksheet": (b'{"nbformat": 3, "nbformat_minor": 0, "worksheets": 5}', "TypeError"),
    "a minor version that is text": (
        b'{"nbformat": 4, "nbformat_minor": "x", "cells": [], "metadata": {}}', "AssertionError"),
    "an unknown version": (b'{"nbformat": 99, "nbformat_minor": 0, "cells": []}', "NBFormatError"),
    "version 3 without its fields": (b'{"nbformat": 3, "nbformat_minor": 0}', "ValidationError"),
    "nested too deep": (b"[" * 100_000, "RecursionError"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---- autograde.py: LabGrader.grade and write_feedback ----


@pytest.fixture
def lab_grader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LabGrader:
    """A grader whose released notebook is the course's; reaching nbgrader's run fails the test."""
    grader = LabGrader(LAB, CoursePaths(work=tmp_path / "work"))
    grader.paths.work_dir.mkdir(parents=True)
    monkeypatch.setattr(LabGrader, "_released", lambda self: released_nb())

    def never(*args: Any, **kwargs: Any) -> list[str]:
        raise AssertionError("a damaged notebook must never be run")

    monkeypatch.setattr(autograde, "autograde_in_jail", never)
    return grader


@pytest.mark.parametrize("name", DAMAGED_FILES)
def test_an_unreadable_notebook_is_that_learners_error_with_0_points(lab_grader, tmp_path, name):
    data, kind = DAMAGED_FILES[name]
    result = lab_grader.grade(Submission("eve", _write(tmp_path / "eve.ipynb", data)))
    assert result.error == f"eve.ipynb is not a readable notebook ({kind})"
    assert (result.scores, result.score) == ({}, 0)
    assert result.max_scores == MAX_SCORES and result.max_score == LAB.points


def test_a_notebook_path_that_is_a_folder_is_that_learners_error(lab_grader, tmp_path):
    (tmp_path / "eve.ipynb").mkdir()
    result = lab_grader.grade(Submission("eve", tmp_path / "eve.ipynb"))
    assert result.error == "eve.ipynb is not a readable notebook (IsADirectoryError)" and result.score == 0


def _damaged_metadata(change: Callable[[dict], None]) -> bytes:
    notebook = json.loads(json.dumps(released_nb()))
    change(notebook)
    return json.dumps(notebook).encode()


def _set_nbgrader(value: Any) -> Callable[[dict], None]:
    def change(notebook: dict) -> None:
        next(c for c in notebook["cells"] if c["metadata"].get("nbgrader"))["metadata"]["nbgrader"] = value
    return change


def _grade_id_list(notebook: dict) -> None:
    next(c for c in notebook["cells"] if c["metadata"].get("nbgrader"))["metadata"]["nbgrader"]["grade_id"] = []


def _cell_without_type(notebook: dict) -> None:
    notebook["cells"].append({"id": "mine", "metadata": {}, "source": "x = 1"})


@pytest.mark.parametrize(
    ("change", "kind"),
    [(_set_nbgrader(1), "AttributeError"), (_set_nbgrader("q1-tests"), "AttributeError"),
     (_grade_id_list, "TypeError"), (_cell_without_type, "AttributeError")],
    ids=["nbgrader metadata a number", "nbgrader metadata a text", "grade id a list", "a cell with no type"],
)
def test_a_readable_notebook_with_damaged_cells_is_that_learners_error(lab_grader, tmp_path, change, kind):
    path = _write(tmp_path / "eve.ipynb", _damaged_metadata(change))
    result = lab_grader.grade(Submission("eve", path))
    assert result.error.startswith(f"eve.ipynb has damaged cells or metadata ({kind}")
    assert result.score == 0 and result.max_scores == MAX_SCORES


def test_a_failed_nbgrader_run_is_that_learners_error_with_its_log_line(lab_grader, tmp_path, monkeypatch):
    def nbgrader_fails(*args: Any, **kwargs: Any) -> list[str]:
        raise NbgraderFailed("nbgrader Autograde failed for lab1: boom\n[INFO] started\n[ERROR] the database is locked")

    monkeypatch.setattr(autograde, "autograde_in_jail", nbgrader_fails)
    path = tmp_path / "ada.ipynb"
    nbformat.write(released_nb(), path)
    result = lab_grader.grade(Submission("ada", path))
    assert result.error == "the database is locked"
    assert result.score == 0 and result.max_scores == MAX_SCORES


def test_failed_feedback_leaves_no_points_and_no_page(lab_grader, monkeypatch):
    def nbgrader_fails(*args: Any, **kwargs: Any) -> str:
        raise NbgraderFailed("nbgrader GenerateFeedback failed for lab1: x\n[ERROR] no template")

    monkeypatch.setattr(autograde, "run_converter", nbgrader_fails)
    ada = Result("ada", dict(MAX_SCORES), MAX_SCORES)
    eve = Result("eve", max_scores=MAX_SCORES, error="eve.ipynb is not a readable notebook (NotJSONError)")
    for learner in ("ada", "eve"):  # pages of an earlier run
        page = lab_grader.feedback_path(learner)
        page.parent.mkdir(parents=True)
        page.write_text("Score: 10.0 / 10.0")
    lab_grader.write_feedback([ada, eve])
    assert ada.error == "feedback not written: no template"
    assert ada.score == 0 and ada.scores == dict.fromkeys(MAX_SCORES, 0.0)
    assert ada.notes == [f"{LAB.points:g} of {LAB.points:g} points were found but none count: {ada.error}"]
    assert eve.error.startswith("eve.ipynb is not a readable notebook") and eve.score == 0
    for result in (ada, eve):
        assert result.feedback is None and not lab_grader.feedback_path(result.learner).exists()


# ---- parallel.py: one task's failure, here and on Dask ----


def _task(learner: str, submitted_at: datetime | None = None) -> Task:
    return Task(LAB.id, learner, f"{learner}.ipynb", b"{}", submitted_at, DUE, 0.5)


def _full_marks(task: Task) -> Graded:
    return Graded(Result(task.learner, dict(MAX_SCORES), MAX_SCORES), task.submitted_at)


def test_a_task_that_raises_is_that_learners_error_and_the_class_goes_on(monkeypatch, caplog):
    def grade_task(task: Task) -> Graded:
        if task.learner == "bo":
            raise RuntimeError("the shard's gradebook is gone")
        return _full_marks(task)

    monkeypatch.setattr(parallel, "grade_task", grade_task)
    late = DUE + timedelta(days=3)
    with caplog.at_level(logging.ERROR, logger="grader.parallel"):
        results = list(graded([_task("ada"), _task("bo", late), _task("cy")], workers=1))
    assert [one.result.learner for one in results] == ["ada", "bo", "cy"]
    bo = results[1]
    assert bo.result.error == "grading failed: RuntimeError: the shard's gradebook is gone"
    assert (bo.result.score, bo.penalty, bo.submitted_at) == (0, 0, late)
    assert (bo.grades, bo.autograded, bo.feedback) == ([], "", "")
    for other in (results[0], results[2]):
        assert not other.result.error and other.result.score == LAB.points
    [record] = caplog.records
    assert "bo's submission" in record.getMessage() and record.exc_info is not None
    assert record.exc_info[0] is RuntimeError


class _Future:
    """A finished Dask future: its result, or the error `result()` raises."""

    def __init__(self, outcome: Graded | BaseException) -> None:
        self.outcome = outcome

    def result(self) -> Graded:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class _Client:
    """A Dask client whose tasks end as `outcomes` says, by learner."""

    outcomes: dict[str, Callable[[Task], Graded | BaseException]] = {}
    closed = False

    def __init__(self, address: str) -> None:
        self.address = address

    def submit(self, function: Callable, task: Task, pure: bool, key: str) -> _Future:
        return _Future(self.outcomes[task.learner](task))

    def close(self) -> None:
        _Client.closed = True


def test_a_dask_task_that_raised_or_was_lost_is_that_learners_error(monkeypatch, caplog):
    import distributed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    worker_state = SimpleNamespace(address="tcp://10.0.0.2:4000")
    _Client.closed = False
    _Client.outcomes = {
        "ada": _full_marks,
        "bo": lambda task: KilledWorker("grade-bo-1", worker_state, 3),
        "cy": lambda task: FutureCancelledError("grade-cy-2", "scheduler-restart"),
        "dee": lambda task: ValueError("raised on the worker"),
        "eve": _full_marks,
    }
    monkeypatch.setattr(distributed, "Client", _Client)
    monkeypatch.setattr(distributed, "as_completed", lambda futures: list(futures))
    tasks = [_task(learner) for learner in _Client.outcomes]
    with caplog.at_level(logging.ERROR, logger="grader.parallel"):
        results = {one.result.learner: one.result for one in graded(tasks, 2, scheduler="tcp://scheduler:8786")}
    assert sorted(results) == ["ada", "bo", "cy", "dee", "eve"] and _Client.closed
    assert results["bo"].error.startswith("grading failed: KilledWorker: Attempted to run task 'grade-bo-1'")
    assert results["cy"].error.startswith("grading failed: FutureCancelledError: grade-cy-2 cancelled")
    assert results["dee"].error == "grading failed: ValueError: raised on the worker"
    for learner in ("bo", "cy", "dee"):
        assert results[learner].score == 0
    for learner in ("ada", "eve"):
        assert not results[learner].error and results[learner].score == LAB.points
    assert sorted(r.getMessage().split("'")[0] for r in caplog.records) == ["grading bo", "grading cy", "grading dee"]


def test_failed_feedback_on_a_worker_sends_back_no_points_and_nothing_to_record(tmp_path, monkeypatch):
    grader = LabGrader(LAB, CoursePaths(work=tmp_path / "shard"))
    monkeypatch.setattr(parallel, "_shard", lambda task: grader)
    monkeypatch.setattr(grader, "grade", lambda submission: Result(submission.learner, dict(MAX_SCORES), MAX_SCORES))
    row = {"name": "q1-tests", "auto_score": 1.0, "manual_score": None, "extra_credit": None,
           "needs_manual_grade": False}
    monkeypatch.setattr(parallel, "_gradebook_rows", lambda grader, task: ([row], [], 1.5))
    _write(tmp_path / "graded.ipynb", b"{}")
    monkeypatch.setattr(parallel, "_autograded_path", lambda paths, lab_id, learner: tmp_path / "graded.ipynb")

    def nbgrader_fails(*args: Any, **kwargs: Any) -> str:
        raise NbgraderFailed("nbgrader GenerateFeedback failed for lab1: no template\n[ERROR] no template")

    monkeypatch.setattr(parallel, "run_converter", nbgrader_fails)
    late = DUE + timedelta(hours=30)
    one = parallel.grade_task(_task("ada", late))
    assert one.result.error == "feedback not written: nbgrader GenerateFeedback failed for lab1: no template"
    assert one.result.score == 0 and "points were found but none count" in one.result.notes[0]
    assert (one.grades, one.comments, one.autograded, one.feedback) == ([], [], "", "")
    assert one.penalty == 0  # nothing is recorded, so nothing is taken off


# ---- commands.py: preparing the lab ----


def _grade_args(tmp_path: Path) -> Namespace:
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(released_nb(), submissions / "ada.ipynb")
    return Namespace(lab=LAB.id, submissions=str(submissions), learner=None, work=str(tmp_path / "work"),
                     due=None, workers=1, scheduler=None, late_penalty=None)


def test_a_lab_that_cannot_be_prepared_grades_nobody(tmp_path, monkeypatch, capsys):
    from grader.release import ReleaseError

    def broken_source(self: LabGrader) -> None:
        raise ReleaseError(f"{LAB.id}: graded cells add up to 9 points, but labs.toml says 10")

    def never(*args: Any) -> int:
        raise AssertionError("nothing may be graded")

    monkeypatch.setattr(LabGrader, "prepare", broken_source)
    monkeypatch.setattr(classgrading, "grade_class", never)
    assert commands.grade(_grade_args(tmp_path)) == commands.UNUSABLE
    assert f"Could not prepare {LAB.id} for grading: {LAB.id}: graded cells add up to 9" in capsys.readouterr().err


def test_an_unexpected_error_preparing_the_lab_is_not_hidden(tmp_path, monkeypatch):
    def bug(self: LabGrader) -> None:
        raise AttributeError("a bug in the grader")

    monkeypatch.setattr(LabGrader, "prepare", bug)
    with pytest.raises(AttributeError, match="a bug in the grader"):
        commands.grade(_grade_args(tmp_path))


# ---- runner.py: whatever nbgrader raises ----


class _ExplodingConverter:
    """Stands in for an nbgrader converter that logs an error, then raises."""

    def __init__(self, coursedir: Any, config: Any) -> None:
        self.log = logging.getLogger("tests.exploding-converter")

    def start(self) -> None:
        self.log.error("the gradebook is locked")
        raise KeyError("q1-tests")


def test_any_nbgrader_failure_is_raised_again_as_nbgrader_failed_with_its_log(tmp_path):
    config = nbgrader_config(CoursePaths(work=tmp_path / "work"))
    with pytest.raises(NbgraderFailed) as raised:
        run_converter(_ExplodingConverter, config, LAB.id, "ada")
    message = str(raised.value)
    assert message.startswith(f"nbgrader _ExplodingConverter failed for {LAB.id}: 'q1-tests'")
    assert "[ERROR] the gradebook is locked" in message and isinstance(raised.value.__cause__, KeyError)
    log = logging.getLogger("tests.exploding-converter")
    assert log.handlers == [] and log.propagate  # the converter's logger is given back as it was


# ---- selfcheck.py: the learner's own notebook ----


@pytest.mark.parametrize("name", DAMAGED_FILES)
def test_the_self_check_explains_an_unreadable_notebook(tmp_path, capsys, name):
    from lambda_course.cli import main

    data, kind = DAMAGED_FILES[name]
    path = _write(tmp_path / f"{LAB.id}.ipynb", data)
    assert main(["check", str(path)]) == 2
    assert f"{path} could not be read as a notebook ({kind})." in capsys.readouterr().out


# ---- trust/kernel.py: a stuck kernel that will not stop ----


def _test_cell(grade_id: str) -> nbformat.NotebookNode:
    return cell_by_id(nbformat.read(LAB.source(), as_version=4), grade_id)


def test_a_kernel_that_cannot_be_stopped_after_a_timeout_costs_only_the_rest(tmp_path, monkeypatch, caplog):
    async def times_out(self: NotebookClient, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
        raise CellTimeoutError("the cell ran past 30 s")

    async def will_not_stop(now: bool = False) -> None:
        raise RuntimeError("the kernel's process is half gone")

    monkeypatch.setattr(NotebookClient, "async_execute_cell", times_out)
    incidents = tmp_path / "incidents.jsonl"
    executor = JailedExecute(incident_log=str(incidents))
    executor.km = SimpleNamespace(shutdown_kernel=will_not_stop)
    executor.log = logging.getLogger("tests.jailed-execute")
    stuck, later = nbformat.v4.new_code_cell("while True: pass"), _test_cell("q2-tests")  # a learner's cell hangs
    with caplog.at_level(logging.WARNING, logger="tests.jailed-execute"):
        asyncio.run(executor.async_execute_cell(stuck, 0))
        asyncio.run(executor.async_execute_cell(later, 1))
    assert stuck.outputs[-1].ename == "timeout" and later.outputs[0].ename == "NotRun"
    assert determine_grade(later)[0] == 0
    assert [json.loads(line)["kind"] for line in incidents.read_text().splitlines()] == ["timeout"]
    assert caplog.messages == ["could not stop a stuck kernel: the kernel's process is half gone"]


def test_an_error_after_the_output_budget_is_spent_still_fails_the_test():
    executor = JailedExecute(cell_output_chars=20)
    executor.reset_execution_trackers()
    executor.clear_before_next_output = False  # as nbclient sets it when a cell starts
    cell = _test_cell("q1-tests")
    cell.outputs = []

    def message(msg_type: str, content: dict) -> dict:
        return {"msg_type": msg_type, "content": content, "header": {"msg_type": msg_type},
                "parent_header": {"msg_id": "m1"}, "metadata": {}}

    flood = message("stream", {"name": "stdout", "text": "x" * 500})
    error = message("error", {"ename": "AssertionError", "evalue": "wrong", "traceback": ["AssertionError: wrong"]})
    executor.output(cell.outputs, flood, None, 0)
    executor.output(cell.outputs, error, None, 0)
    assert [out.output_type for out in cell.outputs] == ["stream", "error"]
    assert determine_grade(cell)[0] == 0


# ---- trust/zygote.py: preloading, and the forked program's start and end ----


def test_a_module_that_fails_to_preload_is_only_reported(tmp_path, monkeypatch):
    (tmp_path / "preload_fails.py").write_text("raise RuntimeError('needs a display')\n")
    (tmp_path / "preload_works.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(zygote, "PRELOAD", ("preload_works", "preload_fails"))
    course = GradedCourse(preload=["preload_not_installed"])  # the engine's own list, then the course's
    for name in ("preload_works", "preload_fails"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert zygote.preload(course) == ["preload_fails", "preload_not_installed"]
    assert "preload_works" in sys.modules and "preload_fails" not in sys.modules


def _python(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_a_program_that_cannot_start_ends_its_process_with_127_and_never_runs(tmp_path):
    run = _python("""
        import sys
        from grader.trust import zygote

        def refuse(policy):
            raise PermissionError("cannot become the jail's user")

        zygote.prepare = refuse
        zygote._run = lambda argv: open(sys.argv[1], "w").write("the program ran")
        zygote._become_program({"policy": {"env": {}}, "argv": ["python"]}, [0, 1, 2])
        print("back in the server's code")
    """, str(tmp_path / "ran"), cwd=tmp_path)
    assert run.returncode == 127 and "PermissionError: cannot become the jail's user" in run.stderr
    assert not (tmp_path / "ran").exists() and "back in the server" not in run.stdout


def test_a_program_that_cannot_be_executed_ends_its_process_with_127(tmp_path):
    run = _python("""
        from grader.trust import zygote

        zygote.prepare = lambda policy: None
        zygote._become_program({"policy": {"env": {}}, "argv": ["/nowhere/program", "arg"]}, [0, 1, 2])
        print("back in the server's code")
    """, cwd=tmp_path)
    assert run.returncode == 127 and "FileNotFoundError" in run.stderr and "back in" not in run.stdout


@pytest.mark.parametrize("raised", ["ValueError('the program failed')", "KeyboardInterrupt()"])
def test_a_program_that_raises_ends_with_status_1_after_its_exit_handlers(tmp_path, raised):
    (tmp_path / "failing_program.py").write_text(textwrap.dedent(f"""
        import atexit, pathlib
        atexit.register(pathlib.Path("exit-handler-ran").touch)
        raise {raised}
    """))
    run = _python("""
        import sys
        from grader.trust import zygote

        try:
            zygote._run([sys.executable, "-m", "failing_program"])
        finally:
            print("back in the server's code")
    """, cwd=tmp_path)
    assert run.returncode == 1 and raised.split("(")[0] in run.stderr and "Traceback" in run.stderr
    assert (tmp_path / "exit-handler-ran").exists() and "back in" not in run.stdout

