"""`lambda-course tour`: a newcomer's one-minute proof that the sandbox, the runtime and grading all work."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lambda_course.deploy import deploy_function, invoke
from lambda_course.labs import all_labs
from localaws import sandbox

HELLO = """
import json, os

STARTED = os.getpid()  # module code runs once per execution environment: this is INIT

def handler(event, context):
    name = event.get("name", "world")
    return {"message": f"Hello, {name}!", "environment": STARTED}
"""


def _say(text: str) -> None:
    print(text, flush=True)


def _report(log: str) -> str:
    return next((line for line in log.splitlines() if line.startswith("REPORT")), "(no REPORT line)")


def _invoke_twice() -> None:
    began = time.perf_counter()
    sb = sandbox.start()
    _say(f"1. Sandbox running at {sb.endpoint_url} ({time.perf_counter() - began:.2f} s): a local AWS, no account.")
    deploy_function("tour-hello", HELLO)
    _say("2. Deployed tour-hello, a Python handler packaged as a zip.")
    for label in ("cold", "warm"):
        result = invoke("tour-hello", {"name": "learner"})
        _say(f"3. Invoked it ({label} start): {result.payload}")
        _say(f"   {_report(result.log)}")
    _say("   The first REPORT has an Init Duration (a new execution environment); the second reuses it.")


def _grade_reference() -> int:
    from grader.autograde import LabGrader, Submission  # nbgrader (a second) only for the last step: start-up time
    from grader.config import CoursePaths  # nbgrader (a second) only for the last step: start-up time

    lab = next(iter(all_labs().values()))
    with tempfile.TemporaryDirectory(prefix="lambda-course-tour-") as work:
        grader = LabGrader(lab, CoursePaths(work=Path(work)))
        grader.prepare()
        began = time.perf_counter()
        result = grader.grade(Submission("reference", lab.source()))
    if result.error:
        _say(f"4. Grading {lab.id}'s reference solution failed: {result.error}")
        return 1
    _say(f"4. Autograded {lab.id}'s reference solution with nbgrader: {result.score:g}/{result.max_score:g} "
         f"points in {time.perf_counter() - began:.1f} s.")
    return 0 if result.score == result.max_score else 1


def run_tour() -> int:
    """Start the sandbox, invoke a function cold then warm, and grade lab 1's reference solution."""
    _invoke_twice()
    status = _grade_reference()
    _say("All good: open the course with `make lab`." if status == 0 else "Something is wrong: see above.")
    return status
