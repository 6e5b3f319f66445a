"""The `lambda-course lab | release | check | grade` commands; each returns the process exit code."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from grader.config import CoursePaths
from grader.runner import NbgraderFailed
from lambda_course.labs import Lab, all_labs, lab

OK, FAILED, UNUSABLE = 0, 1, 2


def open_lab(args: argparse.Namespace) -> int:
    """Open the course in JupyterLab at chapter 00: the learner's workspace, or with --instructor the repository."""
    # loaded by the one command that needs it, so `lambda-course` answers fast
    from lambda_course.jupyter import WORKSPACE, open_course

    return open_course(instructor=getattr(args, "instructor", False),
                       open_browser=not getattr(args, "no_browser", False),
                       workspace=getattr(args, "workspace", None) or WORKSPACE)


def release(args: argparse.Namespace) -> int:
    """Regenerate labs/ from solutions/, or with --check only report the labs whose release is stale."""
    # loaded by the one command that needs it, so `lambda-course` answers fast
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
    # loaded by the one command that needs it, so `lambda-course` answers fast
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
    # loaded by the one command that needs it, so `lambda-course` answers fast
    from grader.autograde import LabGrader, class_folder, find_submissions
    from grader.classgrading import grade_class
    from grader.lateness import DEFAULT_RATE_PER_DAY
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
    rate = getattr(args, "late_penalty", None)
    report = grade_class(grader, submissions, due=due, rate=DEFAULT_RATE_PER_DAY if rate is None else rate,
                         workers=getattr(args, "workers", None), scheduler=getattr(args, "scheduler", None),
                         regrade=bool(wanted))
    print()
    print(report.summary)
    print(f"\nScores: {report.scores}\nCanvas gradebook: {report.canvas}")
    print(f"Feedback: {report.feedback}/<learner>/{the_lab.id}/")
    return FAILED if report.failed else OK


def _due(args: argparse.Namespace, the_lab: Lab) -> datetime | None:
    """The due date: --due, else the lab's `due` in labs.toml, else None (nothing is late)."""
    # loaded by the one command that needs it, so `lambda-course` answers fast
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
