"""The class-scale parts that need no grading: the late policy, exports, progress and the option parsing."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nbformat.v4 import new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy.exc import SAWarning

from grader import problems
from grader.autograde import Result
from grader.config import CoursePaths, nbgrader_config
from grader.export import CanvasCsvExport, ScoresCsvExport
from grader.gradebook import use_in_process_alembic_head
from grader.lateness import DailyLatePenalty, as_utc, days_late, seconds_late, submitted_at
from grader.parallel import Graded
from grader.problems import Problem
from grader.progress import Progress

DUE = datetime(2026, 3, 2, tzinfo=UTC)
MAXIMA = {"q1": 1.0, "q2": 2.0}
COURSE = "course"
LAB = "lab9"


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
    late = seconds_late(DUE + late_by, DUE)
    policy = DailyLatePenalty(rate=0.1)
    assert days_late(late) == days
    assert policy.fraction(late) == pytest.approx(fraction)
    penalty = policy.late_submission_penalty("ada", 10.0, late)
    assert penalty == (pytest.approx(10 * fraction) if days else None)  # on time: no penalty at all


def test_no_due_date_or_time_means_not_late_and_the_rate_is_configurable():
    assert seconds_late(DUE + timedelta(days=3), None) == 0
    assert seconds_late(None, DUE) == 0
    assert DailyLatePenalty().rate == 0.1
    assert DailyLatePenalty(rate=0.25).fraction(3600) == pytest.approx(0.25)
    assert DailyLatePenalty(rate=0).late_submission_penalty("ada", 7, 3600) == 0


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


def _class_gradebook(folder: Path, rate: float = 0.1) -> str:
    """A gradebook of lab9 (q1: 1 point, q2: 2) as nbgrader leaves it after autograde, late penalties assigned.

    ada: full marks on time. bo: 2 of 3 points, 25 hours late. cy: a grading problem (no submission). dee: a
    student of the gradebook with no lab9 submission. An odd name's problem, which is no student's.
    """
    use_in_process_alembic_head()
    db_url = f"sqlite:///{folder / 'gradebook.db'}"
    with Gradebook(db_url, COURSE) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush noise
        gradebook.add_assignment(LAB, duedate=DUE)
        gradebook.add_notebook(LAB, LAB)
        for name, points in MAXIMA.items():
            gradebook.add_grade_cell(name, LAB, LAB, max_score=points, cell_type="code")
        for learner, handed_in, scores in [("ada", DUE - timedelta(hours=1), {"q1": 1, "q2": 2}),
                                           ("bo", DUE + timedelta(hours=25), {"q1": 1, "q2": 1})]:
            gradebook.add_student(learner)
            gradebook.add_submission(LAB, learner, timestamp=handed_in)
            for name, points in scores.items():
                grade = gradebook.find_grade(name, LAB, LAB, learner)
                grade.auto_score, grade.needs_manual_grade = points, False
            gradebook.db.commit()
        gradebook.add_student("cy")
        gradebook.add_student("dee")
    config = nbgrader_config(CoursePaths(work=folder))
    config.DailyLatePenalty.rate = rate
    for learner in ("ada", "bo"):  # what `nbgrader autograde` runs last, with the course's configuration
        resources = {"nbgrader": {"notebook": LAB, "assignment": LAB, "student": learner, "db_url": db_url}}
        AssignLatePenalties(config=config).preprocess(new_notebook(), resources)
    listed = problems.beside(db_url)
    assert listed is not None
    problems.note(listed, LAB, "cy", Problem("kernel died", DUE + timedelta(hours=1)))
    problems.note(listed, LAB, "[odd name]", Problem("not a usable learner name"))
    return db_url


def test_nbgrader_assigns_the_courses_penalty_a_25_hour_late_submission_loses_20_percent(tmp_path: Path):
    db_url = _class_gradebook(tmp_path)
    with Gradebook(db_url, COURSE) as gradebook:
        ada, bo = (gradebook.find_submission(LAB, learner) for learner in ("ada", "bo"))
        assert (ada.score, ada.late_submission_penalty) == (3, 0)
        assert bo.score == 2 and bo.late_submission_penalty == pytest.approx(0.4)  # two started days: 20%


def test_the_rate_is_nbgraders_configuration_of_the_plugin(tmp_path: Path):
    with Gradebook(_class_gradebook(tmp_path, rate=0.5), COURSE) as gradebook:
        assert gradebook.find_submission(LAB, "bo").late_submission_penalty == pytest.approx(2)  # all of it


def _csv(path: Path) -> list[list[str]]:
    with path.open() as handle:
        return list(csv.reader(handle))


def test_the_scores_csv_has_questions_lateness_the_total_that_counts_and_grading_errors(tmp_path: Path):
    db_url = _class_gradebook(tmp_path)
    with Gradebook(db_url, COURSE) as gradebook:
        ScoresCsvExport(to=str(tmp_path / "scores.csv"), assignment=[LAB]).export(gradebook)
    with (tmp_path / "scores.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    header = _csv(tmp_path / "scores.csv")[0]
    assert header == ["learner", "q1", "q2", "points", "days_late", "late_penalty", "total", "max", "submitted",
                      "error"]
    assert list(rows) == ["[odd name]", "ada", "bo", "cy"]  # no row for dee, who has nothing of lab9
    assert {k: rows["bo"][k] for k in header[1:9]} == {
        "q1": "1", "q2": "1", "points": "2", "days_late": "2", "late_penalty": "0.4", "total": "1.6", "max": "3",
        "submitted": "2026-03-03T01:00:00+00:00"}
    assert (rows["ada"]["total"], rows["ada"]["days_late"], rows["ada"]["error"]) == ("3", "0", "")
    cy = rows["cy"]
    assert (cy["error"], cy["points"], cy["late_penalty"], cy["total"]) == ("kernel died", "0", "0", "0")
    assert cy["max"] == "3"
    assert (cy["days_late"], cy["submitted"]) == ("1", "2026-03-02T01:00:00+00:00")
    assert rows["[odd name]"]["submitted"] == "" and rows["[odd name]"]["total"] == "0"


def test_the_canvas_csv_names_the_assignment_and_its_points_and_leaves_a_failed_learner_empty(tmp_path: Path):
    db_url = _class_gradebook(tmp_path)
    with Gradebook(db_url, COURSE) as gradebook:
        CanvasCsvExport(to=str(tmp_path / "canvas.csv"), assignment=[LAB], titles={LAB: "Queues"},
                        canvas_ids={LAB: "4521"}).export(gradebook)
    rows = _csv(tmp_path / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Queues (4521)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "3"]
    assert rows[2:] == [  # no row for dee (nothing of lab9) or the odd name (no student)
        ["ada", "", "", "ada", "", "3"],
        ["bo", "", "", "bo", "", "1.6"],
        ["cy", "", "", "cy", "", ""],
    ]


def test_the_exports_are_of_the_students_asked_for(tmp_path: Path):
    with Gradebook(_class_gradebook(tmp_path), COURSE) as gradebook:
        ScoresCsvExport(to=str(tmp_path / "scores.csv"), student=["bo", "cy"]).export(gradebook)  # the only lab
    assert [row[0] for row in _csv(tmp_path / "scores.csv")[1:]] == ["bo", "cy"]


def test_nbgrader_export_runs_the_canvas_exporter(tmp_path: Path):
    db_url = _class_gradebook(tmp_path)
    nbgrader = Path(sys.executable).parent / "nbgrader"
    if not nbgrader.is_file():
        pytest.skip(f"no nbgrader script beside {sys.executable}")
    run = subprocess.run(
        [str(nbgrader), "export", "--exporter=grader.export.CanvasCsvExport", f"--db={db_url}", f"--course={COURSE}",
         "--to=exported.csv"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = _csv(tmp_path / "exported.csv")
    assert rows[0][-1] == f"{LAB} ({LAB})" and rows[1][-1] == "3"  # no course title for lab9: its name
    assert {row[3]: row[5] for row in rows[2:]} == {"ada": "3", "bo": "1.6", "cy": ""}


def test_a_class_is_graded_against_the_due_date_in_its_gradebook(tmp_path: Path):
    from types import SimpleNamespace

    from grader import classbook

    db_url = _class_gradebook(tmp_path)
    grader = SimpleNamespace(config=SimpleNamespace(CourseDirectory=SimpleNamespace(db_url=db_url)),
                             lab=SimpleNamespace(id=LAB))
    assert not classbook.set_due(grader, DUE)  # the one the submissions were assessed against
    assert classbook.set_due(grader, DUE + timedelta(days=1))  # a new one, under graded submissions
    with Gradebook(db_url, COURSE) as gradebook:
        assert gradebook.find_submission(LAB, "bo").total_seconds_late == 3600  # 25 hours after the old one


def test_grading_problems_are_kept_by_assignment_until_the_learner_is_graded(tmp_path: Path):
    listed = tmp_path / problems.FILENAME
    problems.note(listed, "lab1", "eve", Problem("a damaged notebook", DUE))
    problems.note(listed, "lab2", "eve", Problem("a link"))
    assert problems.read(listed, "lab1") == {"eve": Problem("a damaged notebook", DUE)}
    problems.note(listed, "lab1", "eve", None)  # graded since
    assert problems.read(listed, "lab1") == {} and problems.read(listed, "lab2") == {"eve": Problem("a link")}
    problems.forget(listed, "lab2")
    assert problems.read(listed, "lab2") == {} and problems.read(tmp_path / "none.json", "lab1") == {}


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_prints_each_submission_and_an_eta_every_tenth(capsys):
    clock = _Clock()
    progress = Progress(20, clock=clock, due=DUE)
    graded = [
        Graded(Result("ada", {"q1": 1.0, "q2": 2.0}, MAXIMA), DUE),
        Graded(Result("bo", {"q1": 1.0, "q2": 1.0}, MAXIMA), DUE + timedelta(hours=30), penalty=1.0),
        Graded(Result("cy", {}, MAXIMA, error="kernel died"), None),
    ]
    for number in range(10):
        clock.now += 3
        progress.finished(graded[number % 3])
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
    from grader.classgrading import PARALLEL_FROM, workers_for
    from grader.parallel import all_cores

    assert workers_for(None, PARALLEL_FROM - 1) == 1
    assert workers_for(None, PARALLEL_FROM) == all_cores()
    assert workers_for(0, 2) == all_cores()
    assert workers_for(3, 100) == 3
