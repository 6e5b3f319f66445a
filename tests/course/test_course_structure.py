"""Every chapter has the parts the course promises, read from the notebook's JSON without running it.

The parts: learning objectives in the first cell, a quiz, at least one widget or plot, a pointer to the labs
of its own chapter, and a sandbox started for its demos.
"""

import ast
import re

import pytest
from course_notebook_cells import called_names, chapter_questions, quiz_chapters, read

from lambda_course.chapters import iam_playground, plots, widgets
from lambda_course.chapters.catalog import CHAPTERS

OBJECTIVES_HEADINGS = re.compile(r"\*\*(After this chapter you can|In this notebook you will)\*\*")
# Calls that show a widget or draw a plot: the chapters' widgets and figures (lambda_course.chapters.widgets, .plots),
# the IAM playground, the cost model's explorer and plot_* functions, and matplotlib figures built in a cell.
VISUALS = ({name for name, obj in vars(widgets).items()
            if isinstance(obj, type) and issubclass(obj, widgets._Explorer) and not name.startswith("_")}
           | {name for name, obj in vars(plots).items()
              if callable(obj) and getattr(obj, "__module__", "") == plots.__name__ and not name.startswith("_")}
           | {iam_playground.IamPlayground.__name__, "explorer", "Figure", "figure", "subplots"})
MODEL_PLOT = re.compile(r"^plot_\w+$")


def _has_visual(names: list[str]) -> bool:
    return any(name in VISUALS or MODEL_PLOT.match(name) for name in names)


@pytest.fixture(params=CHAPTERS, ids=[slug for _, slug, _ in CHAPTERS])
def chapter(request):
    number, slug, _title = request.param
    return number, slug, read(slug)


def test_the_first_cell_states_the_learning_objectives(chapter):
    _number, slug, nb = chapter
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{slug}: the first cell should be the chapter's introduction"
    heading = OBJECTIVES_HEADINGS.search(first.source)
    assert heading, f"{slug}: the first cell has no '**After this chapter you can**' list"
    bullets = [line for line in first.source[heading.end():].splitlines() if line.startswith("- ")]
    assert len(bullets) >= 2, f"{slug}: list at least two learning objectives"


def test_there_is_a_quiz_with_questions(chapter):
    number, slug, nb = chapter
    assert quiz_chapters(slug) == [f"{number:02d}"], f"{slug}: show its own quiz once, with quiz.show(\"{number:02d}\")"
    assert len(chapter_questions(slug)) >= 2, f"{slug}: a quiz needs at least two questions in the bank"


def test_there_is_a_widget_or_a_plot(chapter):
    _number, slug, nb = chapter
    assert _has_visual([name for name, _ in called_names(slug)]), f"{slug}: show at least one widget or plot"


def test_the_lab_pointer_is_for_its_own_chapter(chapter):
    number, slug, nb = chapter
    pointers = [args for name, args in called_names(slug) if name == "lab_pointer"]
    assert pointers, f"{slug}: end with lab_pointer({number})"
    for args in pointers:
        assert len(args) == 1 and isinstance(args[0], ast.Constant), f"{slug}: call lab_pointer with a number"
        assert args[0].value == number, f"{slug}: lab_pointer({args[0].value}) points to another chapter's labs"


def test_the_sandbox_is_started(chapter):
    _number, slug, nb = chapter
    assert "start" in [name for name, _ in called_names(slug)] and any(
        "sandbox.start()" in cell.source for cell in nb.cells if cell.cell_type == "code"), \
        f"{slug}: start the sandbox with `sb = sandbox.start()` near the top"


def test_the_visual_detector_tells_plots_from_plain_code():
    assert _has_visual(["print", "ScalingExplorer"]) and _has_visual(["plot_cost_vs_load"])
    assert _has_visual(["cold_start_timeline"]) and not _has_visual(["print", "invoke", "quiz", "md"])


def test_start_here_shows_both_ways_to_open_and_check_a_lab():
    text = "\n".join(cell.source for cell in read("00-start-here").cells if cell.cell_type == "markdown")
    assert "labs/lab1-first-handler/lab1-first-handler.ipynb" in text, "the way on your own computer"
    assert "Assignment List" in text and "~/lab1-first-handler/lab1-first-handler.ipynb" in text, \
        "the way on the class JupyterHub"
    assert "lambda-course check ~/lab1-first-handler/lab1-first-handler.ipynb" in text
