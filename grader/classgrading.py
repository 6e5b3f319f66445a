"""Grade a class's submissions of one assignment: on workers, into the class gradebook, then exported.

    report = grade_class(grader, find_submissions(folder, assignment), due=due, workers=workers_for(None, n))

Each submission is graded on a worker (parallel.py), the late penalty by nbgrader's own step (lateness.py);
each result goes into the class gradebook as it arrives (classbook.py), or, for a learner whose grading failed,
into the grading problems file (problems.py); what is printed as it goes is one line per submission
(progress.py). At the end the exports are written from the gradebook (export.py): `<work>/<id>-scores.csv`
and `<work>/<id>-canvas.csv`, with everybody the gradebook holds for the assignment, graded in this run or
an earlier one. A regrade (`regrade=True`, some learners only) changes only those learners' entries; a full
run also starts the assignment's grading problems afresh, as it finds every submission again.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from nbgrader.api import Gradebook

from grader import classbook
from grader import problems as problem_file
from grader.autograde import LabGrader, Result, Submission, is_learner_name
from grader.course import settings
from grader.export import CanvasCsvExport, ScoresCsvExport, assignment_rows
from grader.gradebook import use_in_process_alembic_head
from grader.lateness import DEFAULT_RATE_PER_DAY
from grader.parallel import Graded, all_cores, graded, tasks
from grader.problems import Problem
from grader.progress import Progress
from grader.scores import summary_table

PARALLEL_FROM = 8  # submissions; below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class ClassReport:
    """What a class grading did: how many it graded and how many failed, the exports, the summary table."""

    graded: int
    failed: int
    scores: Path
    canvas: Path
    feedback: Path
    summary: str


def workers_for(asked: int | None, class_size: int) -> int:
    """How many local worker processes grade a class of `class_size`.

    0 means one per core; None (not asked), one per core for a class of PARALLEL_FROM or more, and one (grading
    here, where no worker start-up is paid) for a smaller one.
    """
    if asked is None:
        asked = 0 if class_size >= PARALLEL_FROM else 1
    return all_cores() if asked <= 0 else asked


def grade_class(
    grader: LabGrader,
    submissions: Sequence[Submission],
    *,
    due: datetime | None = None,
    rate: float = DEFAULT_RATE_PER_DAY,
    workers: int | None = None,
    scheduler: str | None = None,
    regrade: bool = False,
    out: TextIO | None = None,
) -> ClassReport:
    """Grade the submissions (`grader` prepared), record each result as it arrives, and write the exports.

    `workers` is as workers_for takes it; status lines and a line per submission go to `out` (default stdout).
    """
    out = out or sys.stdout
    lab, work = grader.lab, grader.paths.work_dir
    gradable = [submission for submission in submissions if not submission.problem]
    workers = min(workers_for(workers, len(gradable)), len(gradable))  # an idle worker would only cost its start-up
    to_grade = tasks(lab.id, gradable, grader.paths, due, rate, remote=bool(scheduler))
    what = f"Grading {len(to_grade)} submissions of {lab.id}"
    if scheduler:
        print(f"{what} on the Dask cluster at {scheduler}.", file=out, flush=True)
    elif workers > 1:
        print(f"{what} on {workers} local worker processes.", file=out, flush=True)
    work.mkdir(parents=True, exist_ok=True)
    use_in_process_alembic_head()
    if classbook.set_due(grader, due) and regrade:
        print(f"The due date of {lab.id} is now {due.isoformat() if due else 'none'}: the learners not regraded "
              "keep the late penalties they were given against the earlier one.", file=out, flush=True)
    listed = _problems_file(grader)
    if not regrade:
        problem_file.forget(listed, lab.id)
    shutil.rmtree(work / "shards", ignore_errors=True)  # workers' folders from earlier runs: all merged
    progress, failed = Progress(len(submissions), out, due=due), 0
    notes = {submission.learner: submission.notes for submission in gradable}
    for one in itertools.chain(refused(grader, submissions), graded(to_grade, workers, scheduler)):
        learner = one.result.learner
        one.result.notes[:0] = notes.get(learner, ())
        if is_learner_name(learner):  # an odd name never names a file or a gradebook row
            classbook.record(grader, one)  # a refused learner's earlier grading and feedback go with it
        problem = Problem(one.result.error, one.submitted_at) if one.result.error else None
        problem_file.note(listed, lab.id, learner, problem)
        failed += bool(one.result.error)
        progress.finished(one)
    print("Writing feedback ... (each page was written as its learner was graded)", file=out, flush=True)
    print(f"Graded {progress.done} in {progress.elapsed():.1f} s.", file=out, flush=True)
    scores, canvas, summary = export_class(grader)
    return ClassReport(progress.done, failed, scores, canvas, work / "feedback", summary)


def refused(grader: LabGrader, submissions: Sequence[Submission]) -> list[Graded]:
    """The results of submissions refused when they were found: that reason as the error, no points."""
    max_scores = grader.max_scores()
    return [Graded(Result(one.learner, error=one.problem, max_scores=dict(max_scores)), one.submitted_at)
            for one in submissions if one.problem]


def export_class(grader: LabGrader) -> tuple[Path, Path, str]:
    """Write the lab's scores CSV and Canvas CSV from the class gradebook; with the summary table."""
    lab, work = grader.lab, grader.paths.work_dir
    max_scores = grader.max_scores()
    questions = list(max_scores)
    scores, canvas = work / f"{lab.id}-scores.csv", work / f"{lab.id}-canvas.csv"
    use_in_process_alembic_head()
    with Gradebook(grader.config.CourseDirectory.db_url, settings().course_id) as gradebook:
        ScoresCsvExport(to=str(scores), assignment=[lab.id], questions=questions).export(gradebook)
        CanvasCsvExport(to=str(canvas), assignment=[lab.id], titles={lab.id: lab.title}).export(gradebook)
        listed = problem_file.read(_problems_file(grader), lab.id)
        rows = assignment_rows(gradebook, lab.id, listed)
    results = [Result(row.learner, row.scores, dict(max_scores), error=row.error, pending=set(row.pending))
               for row in rows]
    penalties = {row.learner: row.penalty for row in rows}
    return scores, canvas, summary_table(results, questions, max_scores, penalties)


def _problems_file(grader: LabGrader) -> Path:
    """The class's grading problems file, beside its gradebook (the one the exports read)."""
    path = problem_file.beside(grader.config.CourseDirectory.db_url)
    if path is None:
        raise ValueError(f"the class gradebook is not a sqlite file: {grader.config.CourseDirectory.db_url}")
    return path
