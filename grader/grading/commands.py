"""The `lambda-course lab | release | check | grade` commands; each returns the process exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.grading.config import CoursePaths
from grader.grading.labs import Lab, all_labs, lab
from grader.grading.runner import NbgraderFailed

OK, FAILED, UNUSABLE = 0, 1, 2


def open_lab(args: argparse.Namespace) -> int:
    """Open the course in JupyterLab, on the first chapter."""
    from grader.grading.jupyter import open_course

    return open_course(open_browser=not getattr(args, "no_browser", False))


def release(args: argparse.Namespace) -> int:
    """Regenerate labs/ from solutions/, or with --check only report the labs whose release is stale."""
    from grader.grading.release import ReleaseError, replace_release, stale

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
    from grader.grading.selfcheck import SelfCheckError, report, run_self_check

    print(f"Checking the saved copy of {args.notebook}; running every cell takes a few seconds.", flush=True)
    try:
        result = run_self_check(Path(args.notebook))
    except SelfCheckError as error:
        print(error)
        return UNUSABLE
    print(report(result))
    return OK if result.passed else FAILED


def grade(args: argparse.Namespace) -> int:
    """Autograde every submission of a lab in a folder; write feedback and a CSV; print a summary."""
    from grader.grading.autograde import LabGrader, find_submissions
    from grader.grading.scores import summary_table, write_csv

    chosen = _chosen_labs([args.lab])
    folder = Path(args.submissions)
    if chosen is None:
        return UNUSABLE
    if not folder.is_dir():
        print(f"{folder} is not a folder of submissions.", file=sys.stderr)
        return UNUSABLE
    the_lab = chosen[0]
    submissions = find_submissions(folder, the_lab)
    if not submissions:
        print(f"No submissions in {folder}: expected <learner>.ipynb files or <learner>/{the_lab.id}.ipynb.")
        return UNUSABLE
    grader = LabGrader(the_lab, CoursePaths(work=Path(args.work) if getattr(args, "work", None) else None))
    try:
        grader.prepare()
    except Exception as error:  # a broken source notebook or gradebook: nothing can be graded
        print(f"Could not prepare {the_lab.id} for grading: {error}", file=sys.stderr)
        return UNUSABLE
    results = []
    for number, submission in enumerate(submissions, start=1):
        print(f"[{number}/{len(submissions)}] {submission.learner} ... ", end="", flush=True)
        result = grader.grade(submission)
        outcome = f"error: {result.error}" if result.error else f"{result.score:g}/{result.max_score:g}"
        print(outcome, flush=True)
        results.append(result)
    print("Writing feedback ...", flush=True)
    grader.write_feedback(results)
    max_scores = grader.max_scores()
    csv_path = write_csv(results, list(max_scores), grader.paths.work_dir / f"{the_lab.id}-scores.csv")
    print()
    print(summary_table(results, list(max_scores), max_scores))
    print(f"\nScores: {csv_path}\nFeedback: {grader.paths.work_dir / 'feedback'}/<learner>/{the_lab.id}/")
    return FAILED if any(result.error for result in results) else OK


def _chosen_labs(names: list[str] | None) -> list[Lab] | None:
    """The labs named (all when none are), or None after saying which names are unknown."""
    if not names:
        return list(all_labs().values())
    try:
        return [lab(name) for name in names]
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return None
