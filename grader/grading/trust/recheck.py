"""The second opinion: re-run the lab's tests on the learner's answers outside the learner's kernel.

The cells run in order as the notebook would run them, but every cell the lab owns (set-up and tests, hidden
tests included) comes from the instructors' source notebook, never from the submission; only answer cells
and cells the learner added come from the submission. They run in a fresh jail by `worker.py`, as plain
Python. A cell that hangs or ends the process is recorded, and the run starts again without it, so it costs
only its own points (as it does in the kernel).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.grading.merge import grade_id, is_answer, is_test
from grader.grading.trust import forkserver
from grader.grading.trust.jail import Jail, Limits

MAX_RESTARTS = 4
LINE_LIMIT = 10_000


NEVER_STARTED = "never started"


class RecheckUnavailable(RuntimeError):
    """The recheck could not run at all (a problem on the grader's side, never the learner's)."""


@dataclass(frozen=True)
class Cell:
    """One cell to run: its lab id (None for a learner's own cell), kind, points and source."""

    grade_id: str | None
    kind: str
    points: float
    source: str


@dataclass
class Recheck:
    """Points per test (grade id) earned in the recheck, and what went wrong on the way."""

    scores: dict[str, float] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)


def recheck_cells(submitted: nbformat.NotebookNode, source: nbformat.NotebookNode) -> list[Cell]:
    """The code cells to run: the lab's own from `source`, answers and extra cells from `submitted`."""
    lab_cells = {grade_id(c): c for c in source.cells if grade_id(c) is not None}
    cells = []
    for cell in submitted.cells:
        key = grade_id(cell)
        own = lab_cells.get(key) if key is not None and not is_answer(cell) else None
        chosen = own if own is not None else cell
        if chosen.cell_type != "code":
            continue
        if own is not None:
            kind = "test" if is_test(own) else "setup"
        else:
            kind = "answer" if key is not None and is_answer(cell) else "extra"
        points = float(chosen.metadata.get("nbgrader", {}).get("points", 0)) if kind == "test" else 0.0
        cells.append(Cell(key, kind, points, chosen.source))
    missing = [k for k, c in lab_cells.items() if is_test(c) and k not in {x.grade_id for x in cells}]
    cells += [Cell(k, "test", float(lab_cells[k].metadata["nbgrader"].get("points", 0)), lab_cells[k].source)
              for k in missing]
    return cells


def recheck(submitted: Path, source: Path, hidden: list[Path], cell_timeout: float,
            limits: Limits | None = None) -> Recheck:
    """Run the submission's answers with the source's tests; the points each test earns."""
    cells = recheck_cells(nbformat.read(submitted, as_version=4), nbformat.read(source, as_version=4))
    passed: dict[int, bool] = {}
    skip: set[int] = set()
    incidents: list[str] = []
    for _ in range(MAX_RESTARTS + 1):
        results, culprit, why = _run(cells, skip, hidden, cell_timeout, limits)
        if why == NEVER_STARTED:  # no learner code ran yet: the grader's side is broken, not the submission
            raise RecheckUnavailable("the recheck's runner did not start; see grader/grading/trust/worker.py")
        passed.update(results)
        if culprit is None:
            break
        skip.add(culprit)
        passed[culprit] = False
        label = cells[culprit].grade_id or f"cell {culprit + 1}"
        incidents.append(f"recheck: {label} {why}; the run went on without it")
    tests = [(i, c) for i, c in enumerate(cells) if c.kind == "test" and c.grade_id]
    return Recheck({c.grade_id: c.points if passed.get(i) else 0.0 for i, c in tests}, incidents)


def _run(cells: list[Cell], skip: set[int], hidden: list[Path], cell_timeout: float,
         limits: Limits | None) -> tuple[dict[int, bool], int | None, str]:
    """One run of the worker in a fresh jail: each cell's outcome, and the cell that hung or crashed."""
    with forkserver.jail(hidden, limits, silence=(2,)) as jail:
        (jail.scratch / "cells.json").write_text(json.dumps([c.__dict__ for c in cells]))
        argv = [sys.executable, "-m", "grader.grading.trust.worker", "cells.json", json.dumps(sorted(skip))]
        process = subprocess.Popen(jail.command(argv), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            return _follow(process, cell_timeout, jail.limits.wall_s)
        finally:
            _stop(process, jail)


def _follow(process: subprocess.Popen, cell_timeout: float,
            wall_s: float) -> tuple[dict[int, bool], int | None, str]:
    """Read the worker's events until it ends, a cell overruns, or the process dies."""
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_pump, args=(process, lines), daemon=True).start()
    results: dict[int, bool] = {}
    current: int | None = None
    deadline = time.monotonic() + wall_s
    end = deadline
    while True:
        try:
            raw = lines.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            reason = f"ran past {cell_timeout:g} s" if end < deadline else "ran past the wall-time limit"
            return results, current, reason
        if not raw:
            if current is None and not results:
                return results, None, NEVER_STARTED
            return results, current, "ended the process"
        try:
            event = json.loads(raw)
        except ValueError:
            continue  # not one of the worker's lines
        if event.get("event") == "end":
            return results, None, ""
        if event.get("event") == "start":
            current = int(event["cell"])
            end = min(deadline, time.monotonic() + cell_timeout)
        elif event.get("event") == "done" and int(event["cell"]) == current:
            results[current] = bool(event["ok"])
            current, end = None, deadline


def _pump(process: subprocess.Popen, lines: queue.Queue) -> None:
    """Forward the worker's event lines (cut at LINE_LIMIT), then an empty one at end of output."""
    assert process.stdout is not None
    while raw := process.stdout.readline(LINE_LIMIT):
        if raw.strip():
            lines.put(raw)
    lines.put(b"")


def _stop(process: subprocess.Popen, jail: Jail) -> None:
    """End the worker and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    jail.kill()
    process.wait(timeout=30)
