"""Grade a class on every core, or on a Dask cluster, without two writers ever sharing a gradebook.

nbgrader grades one notebook at a time, and several graders on one sqlite gradebook slow each other down. So
each worker process grades in a folder of its own (a *shard*: its own gradebook and copies, prepared once per
process) and sends back what it found: the scores, nbgrader's grade and comment rows and the late penalty
nbgrader's AssignLatePenalties gave (lateness.py), the graded notebook and the learner's feedback page (written
there too, so no page is left for the end). The main process alone writes them into the class gradebook and
working folder, as they arrive (see classbook.py).

Work is spread by Dask's distributed scheduler: a `LocalCluster` of `workers` processes on this machine, or
the cluster whose scheduler address is given. A task carries the notebook's bytes, not its path, so a worker
on another machine needs only the course installed; it then grades in a temporary folder of its own.
With one worker and no scheduler, tasks run in this process, one after the other, through the same code.

    lambda-course grade LAB DIR                        # here, one submission at a time
    lambda-course grade LAB DIR --workers 0            # a LocalCluster with one worker process per core
    lambda-course grade LAB DIR --scheduler tcp://host:8786
        # on a cluster: `dask scheduler` on one machine, `dask worker tcp://host:8786 --nthreads 1` on each
        # grading machine, every one with the same version of the course installed
"""

from __future__ import annotations

import atexit
import copy
import logging
import os
import shutil
import socket
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nbformat.v4 import new_notebook
from nbgrader.api import Gradebook
from nbgrader.converters import GenerateFeedback
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy.exc import SAWarning

from grader.assignments import assignment
from grader.autograde import LabGrader, Result, Submission
from grader.config import CoursePaths
from grader.course import settings
from grader.lateness import DEFAULT_RATE_PER_DAY
from grader.runner import NbgraderFailed, run_converter

log = logging.getLogger(__name__)
# What nbgrader's late-penalty step logs of each late submission: the progress line says it already.
_nbgrader_log = logging.getLogger(f"{__name__}.nbgrader")
_nbgrader_log.addHandler(logging.NullHandler())
_nbgrader_log.propagate = False


@dataclass(frozen=True)
class Task:
    """One submission to grade, self-contained so it can travel to another machine."""

    lab_id: str
    learner: str
    filename: str
    notebook: bytes
    submitted_at: datetime | None = None
    due: datetime | None = None
    late_rate: float = DEFAULT_RATE_PER_DAY
    root: str | None = None  # the course on the worker; None: the one installed there
    work: str | None = None  # the folder under which shards go; None: a temporary folder on the worker


@dataclass
class Graded:
    """What a worker sends back: the result, nbgrader's rows for the gradebook, and the graded notebook.

    `penalty` is the late penalty nbgrader's AssignLatePenalties wrote into the worker's gradebook: the points
    taken off `result.score` (none after a failure, which records nothing).
    """

    result: Result
    submitted_at: datetime | None = None
    penalty: float = 0.0
    grades: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    autograded: str = ""
    feedback: str = ""


def tasks(assignment_id: str, submissions: Sequence[Submission], paths: CoursePaths, due: datetime | None,
          rate: float = DEFAULT_RATE_PER_DAY, remote: bool = False) -> list[Task]:
    """One grading task per submission, with the time it was handed in and the late policy.

    A task carries the notebook's bytes as read when the submission was found (never through a link), not
    its path, so what is graded is the file that was checked; for a remote cluster, without local paths.
    """
    where = {} if remote else {"root": str(paths.root), "work": str(paths.work_dir)}
    return [Task(assignment_id, one.learner, one.notebook.name, one.read(), one.submitted_at, due, rate, **where)
            for one in submissions]


# ---- the worker side ----

_shards: dict[tuple[str, str | None, str | None], LabGrader] = {}
_shard_lock = threading.Lock()


def grade_task(task: Task) -> Graded:
    """Grade one submission in this process's shard; grading failures are in the result, not raised."""
    grader = _shard(task)
    incoming = grader.paths.work_dir / "incoming" / task.learner
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    notebook = incoming / task.filename
    notebook.write_bytes(task.notebook)
    try:
        result = grader.grade(Submission(task.learner, notebook))
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    graded = Graded(result, task.submitted_at)
    if result.error:
        return graded
    graded.grades, graded.comments, graded.penalty = _gradebook_rows(grader, task)
    graded.autograded = _autograded_path(grader.paths, task.lab_id, task.learner).read_text()
    graded.feedback = _feedback_page(grader, result)
    if result.error:  # no feedback page: none of this grading is recorded, as for any other failure
        return Graded(result, task.submitted_at)
    return graded


def _shard(task: Task) -> LabGrader:
    """This process's grader for the task's lab, in a folder no other process writes; prepared once."""
    key = (task.lab_id, task.root, task.work)
    with _shard_lock:
        if key in _shards and not _shards[key].paths.work_dir.exists():  # removed since: start afresh
            del _shards[key]
        if key not in _shards:
            base = Path(task.work) if task.work else _temporary_folder()
            base.mkdir(parents=True, exist_ok=True)
            base.chmod(0o700)  # the class's files and other shards: out of reach of the jail's own user
            folder = base / "shards" / f"{socket.gethostname()}-{os.getpid()}"
            shutil.rmtree(folder, ignore_errors=True)
            root = Path(task.root) if task.root else CoursePaths().root
            grader = LabGrader(assignment(task.lab_id), CoursePaths(root=root, work=folder))
            grader.prepare()
            _shards[key] = grader
        return _shards[key]


def _temporary_folder() -> Path:
    """A folder for a worker grading for another machine: inside the Dask worker's own, which Dask removes."""
    try:
        from distributed import get_worker  # Dask loads only where a class is graded on a cluster

        return Path(get_worker().local_directory) / "lab-grading"
    except (ImportError, ValueError):  # not in a Dask worker
        folder = Path(tempfile.mkdtemp(prefix="lab-shard-"))
        atexit.register(shutil.rmtree, folder, True)
        return folder


Rows = list[dict[str, Any]]


def _gradebook_rows(grader: LabGrader, task: Task) -> tuple[Rows, Rows, float]:
    """nbgrader's grade and comment rows of a learner's submission in a shard, and its late penalty.

    The submission's time and the due date go into the shard's gradebook first; nbgrader's AssignLatePenalties,
    with the course's plugin at the task's rate, then writes the penalty there (so the feedback page shows it).
    """
    lab_id, learner, db_url = grader.lab.id, task.learner, grader.config.CourseDirectory.db_url
    config = copy.deepcopy(grader.config)
    config.DailyLatePenalty.rate = task.late_rate
    resources = {"nbgrader": {"notebook": lab_id, "assignment": lab_id, "student": learner, "db_url": db_url}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush noise, as in runner.py
        with Gradebook(db_url, settings().course_id) as gradebook:
            gradebook.update_or_create_assignment(lab_id, duedate=task.due)
            gradebook.update_or_create_submission(lab_id, learner, timestamp=task.submitted_at)
        AssignLatePenalties(config=config, log=_nbgrader_log).preprocess(new_notebook(), resources)
        with Gradebook(db_url, settings().course_id) as gradebook:
            notebook = gradebook.find_submission_notebook(lab_id, lab_id, learner)
            grades = [
                {"name": g.name, "auto_score": g.auto_score, "manual_score": g.manual_score,
                 "extra_credit": g.extra_credit, "needs_manual_grade": g.needs_manual_grade}
                for g in notebook.grades
            ]
            comments = [{"name": c.name, "auto_comment": c.auto_comment} for c in notebook.comments]
            penalty = float(notebook.late_submission_penalty or 0)
    return grades, comments, penalty


def _feedback_page(grader: LabGrader, result: Result) -> str:
    """The learner's feedback page, written in the shard (a failure is noted in the result)."""
    try:
        run_converter(GenerateFeedback, grader.config, grader.lab.id, result.learner, force=True)
    except NbgraderFailed as failure:
        result.fail(f"feedback not written: {str(failure).splitlines()[0]}")
        return ""
    return grader.feedback_path(result.learner).read_text()


def _autograded_path(paths: CoursePaths, lab_id: str, learner: str) -> Path:
    """Where nbgrader writes a learner's graded notebook."""
    return paths.work_dir / "autograded" / learner / lab_id / f"{lab_id}.ipynb"


# ---- the scheduling side ----


def graded(tasks: Sequence[Task], workers: int = 1, scheduler: str | None = None) -> Iterator[Graded]:
    """Grade every task and yield each result as soon as it is ready (in order when run here, one by one)."""
    if workers <= 1 and not scheduler:
        for task in tasks:
            yield _safely(task)
        return
    yield from _on_dask(tasks, workers, scheduler)


def _safely(task: Task) -> Graded:
    """grade_task, with anything it raises turned into a failed result."""
    try:
        return grade_task(task)
    except Exception as error:  # any failure grading one task: that learner gets an error and 0, the class goes on
        return failed(task, error)


def failed(task: Task, error: BaseException) -> Graded:
    """The result for a task whose grading raised: an error and no points; the traceback goes to the log."""
    log.error("grading %s's submission of %s failed", task.learner, task.lab_id, exc_info=error)
    reason = f"grading failed: {type(error).__name__}: {error}".splitlines()[0][:300]
    return Graded(Result(task.learner, error=reason), task.submitted_at)


def _on_dask(tasks: Sequence[Task], workers: int, scheduler: str | None) -> Iterator[Graded]:
    """Submit every task to Dask (a LocalCluster unless given a scheduler); yield results as they finish."""
    from distributed import Client, LocalCluster, as_completed  # Dask loads only for parallel grading

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # No dashboard; the scheduler's small HTTP server (health checks) takes any free port, not 8787,
        # so two gradings on one machine do not warn about each other.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=0,
                               dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        futures = {client.submit(grade_task, task, pure=False, key=f"grade-{task.learner}-{i}"): task
                   for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as error:  # the task raised on the worker, or was lost: that learner's error only
                yield failed(futures[future], error)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def all_cores() -> int:
    """How many worker processes use every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
