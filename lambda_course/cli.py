"""The `lambda-course` command: one entry point for learners and instructors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def _sandbox(args: argparse.Namespace) -> int:
    from localaws.sandbox.serve import serve_forever  # each command imports only what it runs: start-up time

    return serve_forever(port=args.port, api_port=args.api_port)


def _tour(args: argparse.Namespace) -> int:
    from lambda_course.tour import run_tour  # each command imports only what it runs: start-up time

    return run_tour()


def _lab(args: argparse.Namespace) -> int:
    from lambda_course.commands import open_lab  # each command imports only what it runs: start-up time

    return open_lab(args)


def _release(args: argparse.Namespace) -> int:
    from lambda_course.commands import release  # each command imports only what it runs: start-up time

    return release(args)


def _check(args: argparse.Namespace) -> int:
    from lambda_course.commands import check  # each command imports only what it runs: start-up time

    return check(args)


def _grade(args: argparse.Namespace) -> int:
    from lambda_course.commands import grade  # each command imports only what it runs: start-up time

    return grade(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per job."""
    parser = argparse.ArgumentParser(prog="lambda-course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, run: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    lab_cmd = add("lab", _lab, "Open the course in JupyterLab: your workspace of chapters and labs, at chapter 00.")
    lab_cmd.add_argument("--no-browser", action="store_true", help="Start the server without opening a browser.")
    lab_cmd.add_argument(
        "--instructor", action="store_true",
        help="Open the whole repository instead, with nbgrader's instructor tools (formgrader, Create Assignment).",
    )
    lab_cmd.add_argument(
        "--workspace", type=Path, default=None, metavar="DIR",
        help="The learner's folder: copies of course/ and labs/, kept across runs (default: workspace/ in the "
             "course's top folder).",
    )
    sandbox_cmd = add("sandbox", _sandbox, "Run the local AWS sandbox as a server until interrupted.")
    sandbox_cmd.add_argument(
        "--port", type=int, default=None, metavar="N",
        help="Port of the AWS API endpoint, for boto3 and the AWS CLI (default: a free one).",
    )
    sandbox_cmd.add_argument(
        "--api-port", type=int, default=None, metavar="M",
        help="Port that serves HTTP APIs, REST APIs and function URLs (default: a free one).",
    )
    add("tour", _tour, "A one-minute proof that everything works: deploy, invoke cold and warm, grade lab 1.")
    release_cmd = add("release", _release, "Regenerate labs/ from solutions/ with nbgrader.")
    release_cmd.add_argument("--check", action="store_true", help="Fail if labs/ is out of date.")
    release_cmd.add_argument("labs", nargs="*", help="Lab names (default: all).")
    add("check", _check, "Self-check a lab notebook: run its visible tests and explain each result.").add_argument(
        "notebook", help="Path to your lab notebook."
    )
    grade_cmd = add("grade", _grade, "Autograde every submission of a lab in a folder.")
    grade_cmd.add_argument("lab", help="Lab name, for example lab1-first-handler.")
    grade_cmd.add_argument("submissions", help="Folder with one notebook (or one folder) per learner.")
    grade_cmd.add_argument(
        "--work", default=None,
        help="Folder for the gradebook, graded copies, feedback, scores (default: .grading).",
    )
    grade_cmd.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="Grade N submissions at once in worker processes on this machine (0: one per core). Default: one "
        "per core for a class of 8 or more, else one at a time here (starting workers takes seconds).",
    )
    grade_cmd.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="Grade on a Dask cluster, e.g. tcp://host:8786 (its workers need the course installed).",
    )
    grade_cmd.add_argument(
        "--learner", action="append", default=None, metavar="NAME",
        help="Regrade only this learner (repeatable); the others' results are kept.",
    )
    grade_cmd.add_argument(
        "--due", default=None, metavar="WHEN",
        help="Due date, e.g. 2026-03-01T23:59:00Z (default: the lab's `due` in labs.toml, if any).",
    )
    grade_cmd.add_argument(
        "--late-penalty", type=float, default=None, metavar="FRACTION",
        help="Share of the points lost per started day late (default 0.1; see grader/lateness.py).",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
