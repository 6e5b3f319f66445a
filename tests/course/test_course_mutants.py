"""The mutation runs chapter 14 shows: which test file kills which mutant, by the rule lab 11 grades with."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from lambda_course.chapters.mutants import Outcome, kill_matrix, kill_table, plot_kill_matrix
from lambda_course.testruns.mutation import Mutant

HANDLER = """
def handler(event, context):
    return {"adult": event["age"] >= 18}
"""
MUTANTS = [Mutant("boundary", (("event[\"age\"] >= 18", "event[\"age\"] > 18"),)),
           Mutant("always", (("event[\"age\"] >= 18", "True"),))]
EDGE = """
import people

def test_the_edge():
    assert people.handler({"age": 18}, None) == {"adult": True}
    assert people.handler({"age": 17}, None) == {"adult": False}
"""
MIDDLE = """
import people

def test_a_grown_up():
    assert people.handler({"age": 40}, None) == {"adult": True}
"""
WRONG = """
import people

def test_wrong():
    assert people.handler({"age": 18}, None) == {"adult": False}
"""
IDS = ("boundary", "always")


@pytest.mark.slow
def test_kills_are_read_from_real_runs_of_each_file_against_each_mutant():
    outcomes = kill_matrix({"edge": EDGE, "middle": MIDDLE, "wrong": WRONG}, HANDLER, MUTANTS, module="people")
    found = {o.tests: (o.passes_on_original, o.killed, o.counted) for o in outcomes}
    assert found == {"edge": (True, IDS, IDS), "middle": (True, (), ()), "wrong": (False, ("always",), ())}


def test_kills_count_only_for_tests_that_pass_on_the_handler():
    void = Outcome("wrong", False, IDS, IDS)
    assert void.counted == () and void.score == "0 of 2" and void.survived == ()
    partial = Outcome("half", True, ("always",), IDS)
    assert partial.counted == ("always",) and partial.survived == ("boundary",) and partial.score == "1 of 2"


def test_the_table_and_the_chart_show_every_file_and_mutant():
    outcomes = [Outcome("edge", True, IDS, IDS), Outcome("wrong", False, ("always",), IDS)]
    table = kill_table(outcomes).data
    assert "| edge | yes | killed | killed | 2 of 2 |" in table
    assert "| wrong | **no** | survived | killed | 0 of 2 |" in table
    figure = plot_kill_matrix(outcomes)
    assert isinstance(figure, Figure)
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert labels == ["killed", "killed", "survived", "(killed)"]


def test_nothing_to_run_is_refused():
    with pytest.raises(ValueError, match="at least one test file and one mutant"):
        kill_matrix({}, HANDLER, MUTANTS, module="people")
    with pytest.raises(ValueError, match="at least one test file and one mutant"):
        kill_matrix({"edge": EDGE}, HANDLER, [], module="people")
