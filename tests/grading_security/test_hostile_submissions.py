"""Every hostile or broken lab 1 submission gets only what it earned, and harms nobody else's grade."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hostile import fixtures

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab1-hostile")]

FIXTURES = fixtures()
HONEST = {"a-honest": 10, "m-honest-partial": 3, "z-honest": 10}


def test_there_are_at_least_twenty_hostile_fixtures():
    assert len([f for f in FIXTURES if f.learner not in HONEST]) >= 20


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.learner for f in FIXTURES])
def test_each_submission_gets_what_it_earned_and_no_more(hostile_batch, fixture):
    result = hostile_batch.results[fixture.learner]
    expect = fixture.expect
    summary = f"{fixture.about}: {result.scores} error={result.error!r} notes={result.notes}"
    assert bool(result.error) == expect.get("error", False), summary
    assert result.score == expect["total"], summary
    assert result.max_score == 10, summary
    for question, points in expect.get("questions", {}).items():
        assert result.scores[question] == points, summary
    for word in expect.get("notes", []):
        assert any(word in note for note in result.notes), summary


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if "shows" in f.expect or "hides" in f.expect],
                         ids=lambda f: f.learner)
def test_what_the_graded_notebook_shows(hostile_batch, fixture):
    text = hostile_batch.graded_outputs(fixture.learner)
    assert text, "no graded notebook"
    for shown in fixture.expect.get("shows", []):
        assert shown in text
    for hidden in fixture.expect.get("hides", []):
        assert string.Template(hidden).substitute(secret=hostile_batch.secret) not in text


def test_honest_submissions_graded_around_hostile_ones_are_untouched(hostile_batch):
    for learner, total in HONEST.items():
        result = hostile_batch.results[learner]
        assert (result.score, result.error, result.notes) == (total, "", []), learner


def test_no_test_cell_ever_reaches_the_learners_kernel(hostile_batch):
    # The hooks printed every cell and every piece of code the kernel compiled: the learner's own cells show,
    # but no test's source (the judge runs tests outside the kernel and only calls the learner's functions).
    text = hostile_batch.graded_outputs("prints-hidden-tests")
    assert "CELL" in text and "def split_bill" in text
    assert "checks.check_" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "with no tip given" not in hostile_batch.feedback("prints-hidden-tests")


def test_a_test_a_learner_emptied_in_the_kernel_still_judges_their_answers(hostile_batch):
    # The input transformer empties every cell that mentions `checks.` before the kernel runs it; tests are not
    # run there, so nothing changes: wrong answers, no points, and no disagreement to explain.
    result = hostile_batch.results["hook-cheat"]
    assert (result.score, result.notes) == (0, [])
    assert "Score: 0.0 / 10.0" in hostile_batch.feedback("hook-cheat")
    assert "Score: 10.0 / 10.0" in hostile_batch.feedback("a-honest")


def test_no_secret_of_the_grader_reaches_any_output(hostile_batch):
    leaked = [p for p in hostile_batch.work.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".html")
              and hostile_batch.secret in p.read_text(errors="replace")]
    assert not leaked


def test_nothing_was_written_outside_a_jail(hostile_batch):
    from lambda_course.labs import ROOT as REPO_ROOT

    name = f"pwned-{hostile_batch.tag}"
    places = [REPO_ROOT, hostile_batch.work, Path("/tmp"), hostile_batch.submissions]
    assert not [place for place in places if (place / name).exists()]
    assert "WROTE" not in hostile_batch.graded_outputs("writes-outside")


def test_a_huge_output_is_cut_down_in_the_graded_notebook(hostile_batch):
    path = hostile_batch.work / "autograded" / "huge-output" / hostile_batch.lab_id
    assert (path / f"{hostile_batch.lab_id}.ipynb").stat().st_size < 2_000_000
    assert "output truncated by the grader" in hostile_batch.graded_outputs("huge-output")


def test_the_fork_bomb_was_bounded_and_no_jailed_process_survives(hostile_batch):
    assert "BOMB stopped after" in hostile_batch.graded_outputs("fork-bomb")
    assert not _jailed_processes()


def _jailed_processes() -> list[int]:
    """Processes left with a user id of this test process's jails (see jail._free_uid)."""
    base = 1_000_000 + (os.getpid() % 10_000) * 100
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = int((entry / "status").read_text().split("Uid:")[1].split()[0])
            except (OSError, IndexError, ValueError):
                continue
            if base <= uid < base + 100:
                found.append(int(entry.name))
    return found
