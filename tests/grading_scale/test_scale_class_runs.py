"""Grading a small mixed class one at a time and on a Dask LocalCluster: same scores, one full gradebook."""

from __future__ import annotations

import os
import re

import pytest
from class_runs import BEFORE_DUE, run_grade
from nbgrader.api import Gradebook

from lambda_course.grading import COURSE_ID

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab1-grading-scale")]

QUESTIONS = ["q1-tests", "q2-tests", "q3-tests-valid", "q3-tests-invalid", "q4-tests"]
LEARNERS = ["ada", "bo", "cy", "eve"]


def test_parallel_grading_gives_the_same_scores_as_sequential(sequential, on_dask):
    one_by_one, parallel = sequential.rows(), on_dask.rows()
    assert sorted(parallel) == sorted(one_by_one) == LEARNERS
    for learner in LEARNERS:
        for column in [*QUESTIONS, "points", "days_late", "late_penalty", "total", "max"]:
            assert parallel[learner][column] == one_by_one[learner][column], (learner, column)
    assert [one_by_one[who]["points"] for who in LEARNERS] == ["10", "0", "3", "0"]


def test_the_dask_run_reports_its_workers_and_every_submission(on_dask):
    assert "on 2 local worker processes" in on_dask.output
    finished = re.findall(r"^\[(\d)/4\] (\w+) \.\.\. ", on_dask.output, flags=re.M)
    assert sorted(n for n, _ in finished) == ["1", "2", "3", "4"]
    assert sorted(who for _, who in finished) == LEARNERS
    assert on_dask.exit_code == 1  # eve's notebook could not be read
    shards = list((on_dask.work / "shards").iterdir())
    assert shards and all((shard / "gradebook.db").is_file() for shard in shards)
    assert on_dask.work.stat().st_mode & 0o777 == 0o700  # the class's files are closed to the jail's user


def test_the_class_gradebook_holds_every_learner_with_the_csv_scores(on_dask):
    rows = on_dask.rows()
    with Gradebook(f"sqlite:///{on_dask.work / 'gradebook.db'}", COURSE_ID) as gradebook:
        assert sorted(s.id for s in gradebook.students) == LEARNERS
        for learner in ("ada", "bo", "cy"):
            submission = gradebook.find_submission(on_dask.lab_id, learner)
            assert submission.score == pytest.approx(float(rows[learner]["points"]))
            notebook = gradebook.find_submission_notebook(on_dask.lab_id, on_dask.lab_id, learner)
            penalty = float(rows[learner]["late_penalty"]) or None
            assert notebook.late_submission_penalty == pytest.approx(penalty)
        with pytest.raises(Exception):  # noqa: B017 - nbgrader raises its MissingEntry
            gradebook.find_submission(on_dask.lab_id, "eve")


def test_feedback_is_written_for_each_graded_learner_from_the_class_gradebook(on_dask):
    for learner in ("ada", "bo", "cy"):
        page = on_dask.work / "feedback" / learner / on_dask.lab_id / f"{on_dask.lab_id}.html"
        assert page.is_file() and "HIDDEN TESTS" not in page.read_text()
    assert not (on_dask.work / "feedback" / "eve").exists()


def test_a_late_submission_loses_the_documented_share_per_started_day(sequential):
    rows = sequential.rows()
    # cy handed in 26 hours after the due date: two started days at 10% each of 3 points.
    cy = rows["cy"]
    assert (cy["days_late"], cy["late_penalty"], cy["total"]) == ("2", "0.6", "2.4")
    assert rows["cy"]["submitted"].startswith("2026-03-03T02:00:00")
    for learner in ("ada", "bo"):
        assert rows[learner]["days_late"] == "0" and rows[learner]["total"] == rows[learner]["points"]
    line = r"^\[\d/4\] cy \.\.\. 3/10  \(late 2 d, -20%: counts 2.4\)$"
    assert re.search(line, sequential.output, flags=re.M)


def test_the_scores_csv_has_a_column_per_question_and_the_lateness(sequential):
    header = (sequential.work / f"{sequential.lab_id}-scores.csv").read_text().splitlines()[0].split(",")
    lateness = ["points", "days_late", "late_penalty", "total", "max", "submitted"]
    assert header == ["learner", *QUESTIONS, *lateness, "error"]
    rows = sequential.rows()
    assert rows["ada"]["total"] == "10" and rows["ada"]["max"] == "10"
    assert rows["eve"]["error"] and rows["eve"]["total"] == "0"


def test_the_canvas_csv_is_in_canvas_import_format(sequential):
    from lambda_course.labs import lab

    rows = sequential.canvas()
    the_lab = lab(sequential.lab_id)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       f"{the_lab.title} ({the_lab.id})"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    scores = {row[3]: row[5] for row in rows[2:]}
    assert scores == {"ada": "10", "bo": "0", "cy": "2.4", "eve": ""}
    assert all(len(row) == 6 for row in rows)


def test_regrading_one_learner_changes_only_that_learner(regraded, sequential):
    before, run = regraded
    before_run = sequential
    after = run.rows()
    assert sorted(after) == LEARNERS
    assert before["bo"]["total"] == "0" and after["bo"]["total"] == "10"
    for learner in ("ada", "cy", "eve"):
        assert after[learner] == before[learner], learner
    assert after["eve"]["error"]  # a grading error is kept, not turned into a grade
    canvas = run.canvas()
    assert canvas[:2] == before_run.canvas()[:2]
    assert {row[3]: row[5] for row in canvas[2:]} == {"ada": "10", "bo": "10", "cy": "2.4", "eve": ""}
    finished = re.findall(r"^\[(\d)/(\d)\] (\w+) ", run.output, flags=re.M)
    assert finished == [("1", "1", "bo")]
    assert "not written yet" not in _page(run, "bo")  # bo's page now shows the correct answers
    assert "not written yet" in _page(before_run, "bo")
    assert _page(run, "cy") == _page(before_run, "cy")
    with Gradebook(f"sqlite:///{run.work / 'gradebook.db'}", COURSE_ID) as gradebook:
        assert gradebook.find_submission(run.lab_id, "bo").score == 10
        assert gradebook.find_submission(run.lab_id, "ada").score == 10
        assert gradebook.find_submission(run.lab_id, "cy").score == 3


def test_regrading_a_learner_without_a_submission_is_refused(class_folder, tmp_path):
    run = run_grade(str(class_folder), "--learner", "zed", work=tmp_path)
    assert run.exit_code == 2


def _page(run, learner: str) -> str:
    return (run.work / "feedback" / learner / run.lab_id / f"{run.lab_id}.html").read_text()


def test_a_cluster_given_by_its_scheduler_address_grades_from_the_notebooks_bytes(tmp_path):
    from distributed import LocalCluster
    from lab1_submissions import solution_nb
    from nbformat import write

    folder = tmp_path / "class"
    folder.mkdir()
    write(solution_nb(), folder / "ada.ipynb")
    os.utime(folder / "ada.ipynb", (BEFORE_DUE, BEFORE_DUE))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = run_grade(str(folder), "--scheduler", cluster.scheduler_address, work=tmp_path / "work")
    assert f"on the Dask cluster at {cluster.scheduler_address}" in run.output
    assert run.exit_code == 0 and run.rows()["ada"]["total"] == "10"
    assert not (run.work / "shards").exists()  # a remote worker grades in a folder of its own
    assert (run.work / "feedback" / "ada" / run.lab_id / f"{run.lab_id}.html").is_file()
