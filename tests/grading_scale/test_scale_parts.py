"""The class-scale parts that need no grading: the late policy, exports, progress and the option parsing."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.autograde import Result
from grader.export import Entry, load, save, write_canvas_csv, write_scores_csv
from lambda_course.labs import Lab
from grader.lateness import Lateness, as_utc, assess, submitted_at
from grader.progress import Progress

DUE = datetime(2026, 3, 2, tzinfo=UTC)
MAXIMA = {"q1": 1.0, "q2": 2.0}


@pytest.mark.parametrize(
    ("late_by", "days", "fraction"),
    [
        (timedelta(seconds=-1), 0, 0.0),
        (timedelta(0), 0, 0.0),
        (timedelta(minutes=1), 1, 0.1),
        (timedelta(hours=24), 1, 0.1),
        (timedelta(hours=25), 2, 0.2),
        (timedelta(days=30), 30, 1.0),  # never more than every point
    ],
)
def test_each_started_day_late_costs_the_rate(late_by, days, fraction):
    lateness = assess(DUE + late_by, DUE, rate=0.1)
    assert lateness.days == days
    assert lateness.fraction == pytest.approx(fraction)


def test_no_due_date_or_time_means_not_late_and_the_rate_is_configurable():
    assert assess(DUE + timedelta(days=3), None) == Lateness()
    assert assess(None, DUE) == Lateness()
    assert assess(DUE + timedelta(hours=1), DUE, rate=0.25).fraction == pytest.approx(0.25)
    assert assess(DUE + timedelta(hours=1), DUE, rate=0).penalty(7) == 0


def test_a_due_date_without_a_zone_is_utc_and_other_zones_are_converted():
    assert as_utc("2026-03-02T00:00:00") == DUE
    assert as_utc("2026-03-02T01:00:00+01:00") == DUE
    assert as_utc("2026-03-02 00:00:00 UTC") == DUE


def test_the_submission_time_comes_from_timestamp_txt_else_the_file_time(tmp_path: Path):
    folder = tmp_path / "cy"
    folder.mkdir()
    notebook = folder / "lab.ipynb"
    notebook.write_text("{}")
    stamp = DUE.timestamp() + 3600
    os.utime(notebook, (stamp, stamp))
    assert submitted_at(notebook) == DUE + timedelta(hours=1)
    (folder / "timestamp.txt").write_text("2026-03-05 10:30:00.5 UTC\n")
    assert submitted_at(notebook) == datetime(2026, 3, 5, 10, 30, 0, 500000, tzinfo=UTC)
    # A notebook sharing its folder with others does not own the timestamp.txt there.
    assert submitted_at(notebook, own_folder=False) == DUE + timedelta(hours=1)


def _entries() -> list[Entry]:
    return [
        Entry(Result("ada", {"q1": 1.0, "q2": 2.0}, MAXIMA), DUE, Lateness()),
        Entry(Result("bo", {"q1": 1.0, "q2": 1.0}, MAXIMA), DUE + timedelta(hours=30), Lateness(2, 0.5)),
        Entry(Result("cy", {}, MAXIMA, error="kernel died"), None, Lateness(1, 0.1)),
    ]


def test_an_entry_counts_its_points_less_the_late_penalty():
    ada, bo, cy = _entries()
    assert (ada.penalty, ada.total) == (0, 3)
    assert (bo.penalty, bo.total) == (1, 1)
    assert (cy.penalty, cy.total) == (0, 0)  # nothing graded, nothing to take off


def test_the_scores_csv_has_questions_lateness_and_the_total_that_counts(tmp_path: Path):
    path = write_scores_csv(_entries(), ["q1", "q2"], tmp_path / "scores.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["learner"] for row in rows] == ["ada", "bo", "cy"]
    assert {k: rows[1][k] for k in ("q1", "q2", "points", "days_late", "late_penalty", "total", "max")} == {
        "q1": "1", "q2": "1", "points": "2", "days_late": "2", "late_penalty": "1", "total": "1", "max": "3"}
    assert rows[1]["submitted"] == "2026-03-03T06:00:00+00:00"
    assert rows[2]["error"] == "kernel died" and rows[2]["submitted"] == ""


def test_the_canvas_csv_names_the_assignment_and_its_points(tmp_path: Path):
    the_lab = Lab("lab9", "Queues", "08", points=3)
    path = write_canvas_csv(_entries(), the_lab, tmp_path / "canvas.csv", assignment_id="4521")
    with path.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Queues (4521)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "3"]
    assert rows[2:] == [
        ["ada", "", "", "ada", "", "3"],
        ["bo", "", "", "bo", "", "1"],
        ["cy", "", "", "cy", "", ""],
    ]


def test_saved_results_load_back_the_same(tmp_path: Path):
    path = save(_entries(), tmp_path / "results.json")
    loaded = load(path)
    assert sorted(loaded) == ["ada", "bo", "cy"]
    for entry in _entries():
        again = loaded[entry.learner]
        assert again.result.scores == entry.result.scores and again.result.error == entry.result.error
        assert again.submitted_at == entry.submitted_at
        assert (again.lateness, again.total) == (entry.lateness, entry.total)
    assert load(tmp_path / "none.json") == {}


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_prints_each_submission_and_an_eta_every_tenth(capsys):
    clock = _Clock()
    progress = Progress(20, clock=clock)
    ada, bo, cy = _entries()
    for number in range(10):
        clock.now += 3
        progress.finished([ada, bo, cy][number % 3])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[1/20] ada ... 3/3"
    assert lines[1] == "[2/20] bo ... 2/3  (late 2 d, -50%: counts 1)"
    assert lines[2] == "[3/20] cy ... error: kernel died"
    # Every fifth (a tenth of 20, at least 5): 10 done in 30 s, so 10 more take about 30 s.
    assert lines[-1] == "    10/20 graded, 3 failed in 0:30; about 0:30 left"
    assert sum(line.startswith("    ") for line in lines) == 2


def test_the_grade_command_accepts_the_class_options():
    from lambda_course.cli import build_parser

    args = build_parser().parse_args(
        ["grade", "lab1", "subs", "--workers", "0", "--scheduler", "tcp://h:8786", "--learner", "a",
         "--learner", "b", "--due", "2026-03-02", "--late-penalty", "0.25"])
    assert (args.workers, args.scheduler, args.learner) == (0, "tcp://h:8786", ["a", "b"])
    assert (args.due, args.late_penalty) == ("2026-03-02", 0.25)
    defaults = build_parser().parse_args(["grade", "lab1", "subs"])
    assert (defaults.workers, defaults.scheduler, defaults.learner) == (None, None, None)
    assert defaults.late_penalty is None


def test_without_workers_a_class_uses_every_core_and_a_handful_is_graded_here():
    from argparse import Namespace

    from lambda_course.commands import PARALLEL_FROM, _workers
    from grader.parallel import all_cores

    assert _workers(Namespace(workers=None, scheduler=None), PARALLEL_FROM - 1) == (1, None)
    assert _workers(Namespace(workers=None, scheduler=None), PARALLEL_FROM) == (all_cores(), None)
    assert _workers(Namespace(workers=0, scheduler=None), 2) == (all_cores(), None)
    assert _workers(Namespace(workers=3, scheduler="tcp://h:8786"), 100) == (3, "tcp://h:8786")
