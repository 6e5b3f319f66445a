"""How long autograding one lab 1 submission takes, beside the floor: a kernel running an empty notebook.

The floor is what any notebook grader pays per submission (start a kernel, run one cell, shut it down). The
autograde figure is nbgrader's whole job for one submission of the reference solution: sanitise, start the
learner's sandbox as a program of its own in the jail, execute the learner's cells in the jailed kernel (the
handler is deployed and invoked), judge every test cell in the grader's process, score, save to the gradebook.
The first submission of a class also starts the class's fork server (grader/trust/forkserver.py),
which every later one reuses; that first run is printed on its own. Feedback pages are written once per batch;
their cost per learner is printed too.
Run: .venv/bin/python benchmarks/bench_grading.py [LAB]   (LAB: a lab id, lab1-first-handler by default; lab 11's
figure includes running the reference tests against the handler and its eight mutants, each in a jail of its own)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.autograde import LabGrader, Submission
from grader.config import CoursePaths, kernel_config
from lambda_course.labs import lab
from lambda_course.testruns.mutation import run_against


def empty_notebook_seconds() -> float:
    """Start a kernel, run one empty cell, shut the kernel down."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", config=kernel_config()).execute()
    return time.perf_counter() - start


def autograde_seconds(grader: LabGrader, submission: Submission) -> float:
    """Autograde one submission; check it got full marks, so a broken run is not timed as a fast one."""
    run_against.cache_clear()  # lab 11's test runs are kept per process: each learner's own tests run afresh
    start = time.perf_counter()
    result = grader.grade(submission)
    elapsed = time.perf_counter() - start
    assert not result.error and result.score == result.max_score, (result.error, result.scores)
    return elapsed


def main(lab_id: str = "lab1-first-handler", runs: int = 3) -> None:
    the_lab = lab(lab_id)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        work = Path(tmp)
        grader = LabGrader(the_lab, CoursePaths(work=work / "work"))
        grader.prepare()
        submission = Submission("reference", the_lab.source())
        empty_notebook_seconds()  # the first kernel start warms the disk cache and imports
        first = autograde_seconds(grader, submission)
        floor = [empty_notebook_seconds() for _ in range(runs)]
        graded = [autograde_seconds(grader, submission) for _ in range(runs)]
        results = [grader.grade(submission)]
        start = time.perf_counter()
        grader.write_feedback(results)  # the one learner graded so far, plus the pages it rewrites
        feedback = time.perf_counter() - start
    print(_line("floor: kernel + empty notebook", floor))
    print(_line(f"autograde one {lab_id.split('-')[0]} submission", graded))
    print(f"{'first of a class (server start)':34s} {first:.2f} s")
    print(f"{'feedback page for one learner':34s} {feedback:.2f} s")


def _line(label: str, samples: list[float]) -> str:
    """One result line: the median, then every run."""
    runs = ", ".join(f"{s:.2f}" for s in samples)
    return f"{label:34s} median {statistics.median(samples):.2f} s  (runs: {runs})"


if __name__ == "__main__":
    main(*sys.argv[1:2])
