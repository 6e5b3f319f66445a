"""The course in a real browser: a chapter's live widget, and nbgrader's assignment list.

JupyterLab is started with the README's command (`lambda-course lab --no-browser`) and driven in headless
Chromium. Screenshots are kept in tests/ui/artifacts/ for a person to look at.
"""

from __future__ import annotations

import hashlib
import re

import nbformat
import pytest

from lambda_course.labs import ROOT as REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ui-browser")]

CHAPTER = "course/06-memory-and-cpu.ipynb"
WIDGET_CODE = "MemoryExplorer("
LOAD_TIMEOUT_MS = 60_000
STARTED_TIMEOUT_MS = 15_000  # until a cell shows [*], i.e. the run was taken
RUN_TIMEOUT_MS = 120_000  # the sandbox starts in the first cell; generous for a loaded machine


def code_cell_indexes(path: str) -> tuple[int, int]:
    """The chapter's first code cell (it starts the sandbox) and the cell that shows the memory explorer."""
    cells = nbformat.read(REPO_ROOT / path, as_version=4).cells
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    return code[0], next(i for i in code if WIDGET_CODE in cells[i].source)


def wait_until_idle(page) -> None:
    """Wait for the notebook's kernel to be started and idle."""
    page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=LOAD_TIMEOUT_MS)


def dismiss_dialogs(page) -> None:
    """Accept any dialog JupyterLab put up (on a loaded machine, a slow kernel answer can bring up 'Select
    Kernel'); what it said is printed, so a failing run shows it."""
    dialog = page.locator(".jp-Dialog")
    while dialog.count() and dialog.first.is_visible():
        print("JupyterLab dialog:", " | ".join(dialog.first.inner_text().split("\n")))
        dialog.first.locator("button.jp-mod-accept").first.click()
        dialog.first.wait_for(state="detached", timeout=LOAD_TIMEOUT_MS)


def run_cell(page, index: int) -> None:
    """Click into a cell and run it with Shift+Enter, as a learner would; wait until it has run."""
    from playwright.sync_api import expect

    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(3):  # on a busy machine the first click can land before the editor takes keys
        dismiss_dialogs(page)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text(re.compile(r"\[ \]"), timeout=STARTED_TIMEOUT_MS)
            break
        except AssertionError:
            continue
    expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=RUN_TIMEOUT_MS)


def test_chapter_shows_a_live_memory_slider(page, course, screenshot):
    before = hashlib.sha256((REPO_ROOT / CHAPTER).read_bytes()).hexdigest()
    page.goto(course.page(f"lab/tree/{CHAPTER}"))
    page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_until_idle(page)
    setup, widget = code_cell_indexes(CHAPTER)
    run_cell(page, setup)
    run_cell(page, widget)

    output = page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(widget).locator(".jp-OutputArea")
    slider = output.locator(".widget-slider")
    slider.wait_for(timeout=RUN_TIMEOUT_MS)
    assert "Memory MB" in slider.inner_text()
    summary = output.locator(".widget-html-content")
    assert "0.07 vCPU" in summary.inner_text()  # 128 MB, the slider's start: 128 / 1,769 of a vCPU

    # Type a size into the slider's readout: the kernel recomputes and the summary changes.
    readout = slider.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1792")
    page.keyboard.press("Enter")
    page.wait_for_function("el => el.innerText.includes('1,792 MB')", arg=summary.element_handle(),
                           timeout=RUN_TIMEOUT_MS)
    assert "1.01 vCPU" in summary.inner_text()
    wait_until_idle(page)  # the redrawn plot arrives after the summary
    output.scroll_into_view_if_needed()
    assert screenshot("memory-slider").stat().st_size > 0
    # Running cells in the browser must not write the committed chapter (autosave is off for the test).
    assert hashlib.sha256((REPO_ROOT / CHAPTER).read_bytes()).hexdigest() == before


def test_assignment_list_shows_a_released_lab(page, course, screenshot):
    page.goto(course.page("lab"))
    page.locator("#jp-main-dock-panel").wait_for(timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    released = page.locator("#released_assignments_list")
    released.get_by_text(course.released_lab).wait_for(timeout=LOAD_TIMEOUT_MS)
    assert released.get_by_role("button", name="Fetch").count() == 1
    assert screenshot("assignment-list").stat().st_size > 0
