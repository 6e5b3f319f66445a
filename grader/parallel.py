"""Grade a class on every core, or on a Dask cluster, without two writers ever sharing a gradebook.

nbgrader grades one notebook at a time, and several graders on one sqlite gradebook slow each other down. So
each worker process grades in a folder of its own (a *shard*: its own gradebook and copies, prepared once per
process) and sends back what it found: the scores, the lateness, nbgrader's grade and comment rows, the graded
notebook and the learner's feedback page (written there too, so no page is left for the end). The main
process alone writes them into the class gradebook and working folder, as they arrive (see classbook.py).

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
import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.autograde import LabGrader, Result, Submission
from grader.config import COURSE_ID, CoursePaths
from lambda_course.labs import lab
from grader.lateness import DEFAULT_RATE_PER_DAY, Lateness, assess
from grader.runner import NbgraderFailed, run_converter

log = logging.getLogger(__name__)


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
    """What a worker sends back: the result, nbgrader's rows for the gradebook, and the graded notebook."""

    result: Result
    submitted_at: datetime | None = None
    lateness: Lateness = field(default_factory=Lateness)
    grades: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    autograded: str = ""
    feedback: str = ""

    @property
    def penalty(self) -> float:
        """Points taken off for lateness."""
        return 0.0 if self.result.error else self.lateness.penalty(self.result.score)


def make_task(
    lab_id: str,
    submission: Submission,
    submitted_at: datetime | None,
    paths: CoursePaths | None,
    due: datetime | None = None,
    late_rate: float = DEFAULT_RATE_PER_DAY,
    remote: bool = False,
) -> Task:
    """A task for `submission`; for a remote cluster, without this machine's paths."""
    where = {} if remote or paths is None else {"root": str(paths.root), "work": str(paths.work_dir)}
    notebook = submission.notebook.read_bytes()
    learner, name = submission.learner, submission.notebook.name
    return Task(lab_id, learner, name, notebook, submitted_at, due, late_rate, **where)


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
    graded = Graded(result, task.submitted_at, assess(task.submitted_at, task.due, task.late_rate))
    if result.error:
        return graded
    graded.grades, graded.comments = _rows(grader, task.learner, graded.penalty)
    graded.autograded = _autograded_path(grader.paths, task.lab_id, task.learner).read_text()
    graded.feedback = _feedback_page(grader, result)
    if result.error:  # no feedback page: none of this grading is recorded, as for any other failure
        return Graded(result, task.submitted_at, graded.lateness)
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
            grader = LabGrader(lab(task.lab_id), CoursePaths(root=root, work=folder))
            grader.prepare()
            _shards[key] = grader
        return _shards[key]


def _temporary_folder() -> Path:
    """A folder for a worker grading for another machine: inside the Dask worker's own, which Dask removes."""
    try:
        from distributed import get_worker

        return Path(get_worker().local_directory) / "lab-grading"
    except (ImportError, ValueError):  # not in a Dask worker
        folder = Path(tempfile.mkdtemp(prefix="lab-shard-"))
        atexit.register(shutil.rmtree, folder, True)
        return folder


Rows = list[dict[str, Any]]


def _rows(grader: LabGrader, learner: str, penalty: float) -> tuple[Rows, Rows]:
    """nbgrader's grade and comment rows of a learner's submission in a shard, after recording its penalty."""
    from nbgrader.api import Gradebook

    lab_id = grader.lab.id
    with Gradebook(grader.config.CourseDirectory.db_url, COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(lab_id, lab_id, learner)
        notebook.late_submission_penalty = penalty or None  # so the feedback page shows it
        gradebook.db.commit()
        grades = [
            {"name": g.name, "auto_score": g.auto_score, "manual_score": g.manual_score,
             "extra_credit": g.extra_credit, "needs_manual_grade": g.needs_manual_grade}
            for g in notebook.grades
        ]
        comments = [{"name": c.name, "auto_comment": c.auto_comment} for c in notebook.comments]
    return grades, comments


def _feedback_page(grader: LabGrader, result: Result) -> str:
    """The learner's feedback page, written in the shard (a failure is noted in the result)."""
    from nbgrader.converters import GenerateFeedback

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
    from distributed import Client, LocalCluster, as_completed

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
