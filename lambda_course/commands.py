"""The `lambda-course lab | release | check | grade` commands; each returns the process exit code."""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader.config import CoursePaths
from lambda_course.labs import Lab, all_labs, lab
from grader.runner import NbgraderFailed

if TYPE_CHECKING:  # the grading modules load nbgrader: imported only by the commands that grade
    from grader.autograde import LabGrader, Submission
    from grader.export import Entry
    from grader.parallel import Graded, Task

OK, FAILED, UNUSABLE = 0, 1, 2
PARALLEL_FROM = 8  # submissions; below this, starting worker processes costs more than it saves


def open_lab(args: argparse.Namespace) -> int:
    """Open the course in JupyterLab, on the first chapter."""
    from grader.jupyter import open_course

    return open_course(open_browser=not getattr(args, "no_browser", False))


def release(args: argparse.Namespace) -> int:
    """Regenerate labs/ from solutions/, or with --check only report the labs whose release is stale."""
    from grader.release import ReleaseError, replace_release, stale

    chosen = _chosen_labs(args.labs)
    if chosen is None:
        return UNUSABLE
    try:
        if args.check:
            reports = [stale(one) for one in chosen]
            for report in reports:
                print(f"{report.lab}: {'stale' if report.problems else 'up to date'}")
                for problem in report.problems:
                    print(f"  - {problem}")
            if any(report.problems for report in reports):
                print("Run `lambda-course release` to regenerate labs/.")
                return FAILED
            return OK
        for one in chosen:
            print(f"{one.id}: released to {replace_release(one)}")
        return OK
    except (ReleaseError, NbgraderFailed) as error:
        print(error, file=sys.stderr)
        return UNUSABLE


def check(args: argparse.Namespace) -> int:
    """Run a learner's notebook with the visible tests and explain each result; 0 only if all pass."""
    from grader.selfcheck import SelfCheckError, report, run_self_check

    print(f"Checking the saved copy of {args.notebook}; running every cell takes a few seconds.", flush=True)
    try:
        result = run_self_check(Path(args.notebook))
    except SelfCheckError as error:
        print(error)
        return UNUSABLE
    print(report(result))
    return OK if result.passed else FAILED


def grade(args: argparse.Namespace) -> int:
    """Autograde a lab's submissions (all, or --learner ones) on one machine or a Dask cluster; export."""
    from grader.autograde import LabGrader, class_folder, find_submissions
    from grader.release import ReleaseError

    chosen = _chosen_labs([args.lab])
    folder = Path(args.submissions)
    if chosen is None:
        return UNUSABLE
    if not folder.is_dir():
        print(f"{folder} is not a folder of submissions.", file=sys.stderr)
        return UNUSABLE
    the_lab = chosen[0]
    if class_folder(folder) != folder:
        print(f"{folder} is an nbgrader course: grading the submissions in {class_folder(folder)}.", flush=True)
    try:
        submissions = find_submissions(folder, the_lab)
    except OSError as error:  # the folder itself (not one learner's file) cannot be listed
        print(f"Could not read the submissions in {folder}: {error.strerror or error}.", file=sys.stderr)
        return UNUSABLE
    if not submissions:
        lab_id = the_lab.id
        print(f"No submissions in {folder}: expected <learner>.ipynb files, <learner>/{lab_id}.ipynb folders, "
              f"or nbgrader's collected <learner>/{lab_id}/{lab_id}.ipynb (give its submitted/ folder, or the "
              "course folder that holds it and nbgrader_config.py).")
        return UNUSABLE
    wanted = list(getattr(args, "learner", None) or [])
    missing = sorted(set(wanted) - {s.learner for s in submissions})
    if missing:
        print(f"No submission from {', '.join(missing)} in {folder}.", file=sys.stderr)
        return UNUSABLE
    submissions = [s for s in submissions if not wanted or s.learner in wanted]
    try:
        due = _due(args, the_lab)
    except ValueError as error:
        print(f"--due: {error}", file=sys.stderr)
        return UNUSABLE
    grader = LabGrader(the_lab, CoursePaths(work=Path(args.work) if getattr(args, "work", None) else None))
    try:
        grader.prepare()
    except (ReleaseError, NbgraderFailed, OSError, ValueError) as error:  # a bad source, folder or nbgrader run
        print(f"Could not prepare {the_lab.id} for grading: {error}", file=sys.stderr)
        return UNUSABLE
    return _grade_class(args, grader, submissions, due, regrade=bool(wanted))


def _grade_class(
    args: argparse.Namespace,
    grader: LabGrader,
    submissions: list[Submission],
    due: datetime | None,
    regrade: bool,
) -> int:
    """Grade, record each result in the class gradebook as it arrives, write feedback and exports."""
    from grader import classbook, export
    from grader.autograde import is_learner_name
    from grader.lateness import DEFAULT_RATE_PER_DAY
    from grader.parallel import graded
    from grader.progress import Progress

    the_lab, work = grader.lab, grader.paths.work_dir
    gradable = [submission for submission in submissions if not submission.problem]
    workers, scheduler = _workers(args, len(gradable))
    workers = min(workers, len(gradable))  # an idle worker would only cost its start-up
    rate = getattr(args, "late_penalty", None)
    rate = DEFAULT_RATE_PER_DAY if rate is None else rate
    tasks = _tasks(the_lab, gradable, grader.paths, due, rate, remote=bool(scheduler))
    what = f"Grading {len(tasks)} submissions of {the_lab.id}"
    if scheduler:
        print(f"{what} on the Dask cluster at {scheduler}.", flush=True)
    elif workers > 1:
        print(f"{what} on {workers} local worker processes.", flush=True)
    entries = export.load(export.results_path(work, the_lab)) if regrade else {}
    shutil.rmtree(work / "shards", ignore_errors=True)  # workers' folders from earlier runs: all merged
    progress, this_run = Progress(len(submissions)), []
    notes = {submission.learner: submission.notes for submission in gradable}
    for one in itertools.chain(_refused(grader, submissions), graded(tasks, workers, scheduler)):
        one.result.notes[:0] = notes.get(one.result.learner, ())
        if is_learner_name(one.result.learner):  # an odd name never names a file or a gradebook row
            classbook.record(grader, one)  # a refused learner's earlier grading and feedback go with it
        entry = export.Entry(one.result, one.submitted_at, one.lateness)
        entries[entry.learner] = entry
        this_run.append(entry)
        progress.finished(entry)
    print("Writing feedback ... (each page was written as its learner was graded)", flush=True)
    print(f"Graded {len(this_run)} in {progress.elapsed():.1f} s.", flush=True)
    _export(grader, sorted(entries.values(), key=lambda e: e.learner))
    return FAILED if any(entry.result.error for entry in this_run) else OK


def _refused(grader: LabGrader, submissions: list[Submission]) -> list[Graded]:
    """The results of submissions refused when they were found: that reason as the error, no points."""
    from grader.autograde import Result
    from grader.parallel import Graded

    max_scores = grader.max_scores()
    return [Graded(Result(one.learner, error=one.problem, max_scores=dict(max_scores)), one.submitted_at)
            for one in submissions if one.problem]


def _workers(args: argparse.Namespace, class_size: int) -> tuple[int, str | None]:
    """How many local worker processes and which Dask scheduler, if any.

    --workers 0 means one per core; without --workers, a class of PARALLEL_FROM or more gets one per core
    and a smaller one is graded here, where no worker start-up is paid.
    """
    from grader.parallel import all_cores

    asked = getattr(args, "workers", None)
    if asked is None:
        asked = 0 if class_size >= PARALLEL_FROM else 1
    return (all_cores() if asked <= 0 else asked), getattr(args, "scheduler", None)


def _tasks(the_lab: Lab, submissions: list[Submission], paths: CoursePaths, due: datetime | None, rate: float,
           remote: bool) -> list[Task]:
    """One grading task per submission, with the time it was handed in and the late policy.

    A task carries the notebook's bytes as read when the submission was found (never through a link), not
    its path, so what is graded is the file that was checked; for a remote cluster, without local paths.
    """
    from grader.parallel import Task

    where = {} if remote else {"root": str(paths.root), "work": str(paths.work_dir)}
    return [Task(the_lab.id, one.learner, one.notebook.name, one.read(), one.submitted_at, due, rate, **where)
            for one in submissions]


def _export(grader: LabGrader, entries: list[Entry]) -> None:
    """Write the class results, the scores CSV and the Canvas CSV; print the summary table."""
    from grader import export
    from grader.autograde import is_learner_name
    from grader.scores import summary_table

    the_lab, work = grader.lab, grader.paths.work_dir
    max_scores = grader.max_scores()
    export.save(entries, export.results_path(work, the_lab))
    scores = export.write_scores_csv(entries, list(max_scores), work / f"{the_lab.id}-scores.csv")
    learners = [entry for entry in entries if is_learner_name(entry.learner)]  # no row for a name that is none
    canvas = export.write_canvas_csv(learners, the_lab, work / f"{the_lab.id}-canvas.csv")
    penalties = {entry.learner: entry.penalty for entry in entries}
    print()
    print(summary_table([entry.result for entry in entries], list(max_scores), max_scores, penalties))
    print(f"\nScores: {scores}\nCanvas gradebook: {canvas}")
    print(f"Feedback: {work / 'feedback'}/<learner>/{the_lab.id}/")


def _due(args: argparse.Namespace, the_lab: Lab) -> datetime | None:
    """The due date: --due, else the lab's `due` in labs.toml, else None (nothing is late)."""
    from grader.lateness import as_utc

    due = getattr(args, "due", None) or the_lab.due
    return as_utc(due) if due else None


def _chosen_labs(names: list[str] | None) -> list[Lab] | None:
    """The labs named (all when none are), or None after saying which names are unknown."""
    if not names:
        return list(all_labs().values())
    try:
        return [lab(name) for name in names]
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return None
