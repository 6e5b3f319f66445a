"""Grading a class: 100 lab 1 submissions of mixed quality, on every core, against one-at-a-time grading.

The class is a quarter each of correct answers, partial ones (questions 1 and 2 only), broken ones (the
handler raises) and untouched stubs. The parallel figure is the whole `lambda-course grade --workers 0` run
(worker start-up, grading, the class gradebook, feedback pages, exports). The sequential baseline grades a
sample of the same class with `--workers 1` in the same run and is extrapolated to the class size; the
output says so. Both runs must give every learner the score their kind of submission deserves.
Run: .venv/bin/python benchmarks/bench_class_grading.py [CLASS_SIZE [SAMPLE_SIZE]]
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.merge import cell_by_id
from grader.parallel import all_cores
from lambda_course.cli import main as cli
from lambda_course.labs import lab

LAB = lab("lab1-first-handler")
KINDS = ("correct", "partial", "broken", "stub")
EXPECTED = {"correct": 10.0, "partial": 3.0, "broken": 3.0, "stub": 0.0}


def submission(kind: str) -> nbformat.NotebookNode:
    """A lab 1 notebook of the given kind, built from the released and solution notebooks."""
    nb = nbformat.read(LAB.released(), as_version=4)
    solution = nbformat.read(LAB.source(), as_version=4)
    answers = {"correct": ["q1-answer", "q2-answer", "q3-answer", "q4-answer"], "stub": []}
    for grade_id in answers.get(kind, ["q1-answer", "q2-answer"]):
        cell_by_id(nb, grade_id).source = cell_by_id(solution, grade_id).source
    if kind == "broken":
        cell_by_id(nb, "q3-answer").source = "def handler(event, context):\n    return 1 / 0\n"
    return nb


def write_class(folder: Path, size: int) -> dict[str, str]:
    """`size` submissions, kinds in turn; the kind of each learner's."""
    folder.mkdir(parents=True)
    kinds = {}
    notebooks = {kind: submission(kind) for kind in KINDS}
    for number in range(size):
        kind = KINDS[number % len(KINDS)]
        learner = f"learner{number:03d}"
        nbformat.write(notebooks[kind], folder / f"{learner}.ipynb")
        kinds[learner] = kind
    return kinds


def grade(folder: Path, work: Path, workers: int) -> float:
    """Run the grade command; its wall time in seconds."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        cli(["grade", LAB.id, str(folder), "--work", str(work), "--workers", str(workers)])
    return time.perf_counter() - start


def check_scores(work: Path, kinds: dict[str, str]) -> None:
    """Every learner scored what their kind of submission is worth."""
    with (work / f"{LAB.id}-scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(kinds), "some learners are missing from the scores"
    wrong = {who: rows[who]["total"] for who, kind in kinds.items()
             if float(rows[who]["total"]) != EXPECTED[kind]}
    assert not wrong, f"unexpected scores: {wrong}"


def run(size: int = 100, sample: int = 8) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        base = Path(tmp)
        kinds = write_class(base / "class", size)
        sample_kinds = write_class(base / "sample", sample)
        workers = all_cores()
        parallel = grade(base / "class", base / "work-parallel", 0)
        check_scores(base / "work-parallel", kinds)
        sequential = grade(base / "sample", base / "work-sequential", 1)
        check_scores(base / "work-sequential", sample_kinds)
    per_submission = sequential / sample
    print(f"class of {size} lab 1 submissions (correct, partial, broken, stub in turn)")
    print(f"parallel, {workers} workers (all cores): {parallel:6.1f} s  ({parallel / size:.2f} s each)")
    print(f"sequential, measured on {sample}:         {sequential:6.1f} s  ({per_submission:.2f} s each)")
    print(f"sequential, extrapolated to {size}:     {per_submission * size:6.1f} s  (estimate, not measured)")
    print(f"speed-up: {per_submission * size / parallel:.1f}x")


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:3]]
    run(*numbers)
