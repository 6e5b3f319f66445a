"""Every chapter runs headless from top to bottom in a fresh kernel, as a newcomer would run it.

Each chapter is its own test, marked `notebook` and without an xdist group, so `pytest -n 2 --dist loadgroup`
spreads the chapters over both workers. Each kernel starts its own sandbox, so chapters do not share state.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.chapters.catalog import CHAPTERS
from grader.grading.config import kernel_config
from grader.grading.scratch import kernel_tmpdir

COURSE = Path(__file__).resolve().parents[2] / "course"
CELL_TIMEOUT_S = 120


def test_every_catalogued_chapter_exists_and_nothing_else():
    assert sorted(p.stem for p in COURSE.glob("*.ipynb")) == [slug for _, slug, _ in CHAPTERS]


@pytest.mark.parametrize("slug", [slug for _, slug, _ in CHAPTERS])
def test_chapter_is_committed_without_outputs(slug):
    nb = nbformat.read(COURSE / f"{slug}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{slug}: clear outputs before saving"


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("slug", [slug for _, slug, _ in CHAPTERS])
def test_chapter_runs_top_to_bottom(slug, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(COURSE / f"{slug}.ipynb", as_version=4)
    with kernel_tmpdir() as scratch:  # unix sockets: parallel workers cannot race for the same TCP port
        NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", config=kernel_config(sockets=scratch),
                       resources={"metadata": {"path": str(COURSE)}}).execute()
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if out.output_type == "error"]
    assert not errors
    shown = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert shown, f"{slug} produced no output at all"
