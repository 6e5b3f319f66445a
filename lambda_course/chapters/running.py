"""Run a chapter notebook headless, top to bottom in a fresh kernel, as a newcomer would run it.

The chapter tests and the course benchmark both run chapters this way: unix sockets in a throwaway folder (so
parallel runs cannot race for a TCP port) and matplotlib's inline backend, the one JupyterLab uses.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.config import kernel_config
from grader.scratch import kernel_tmpdir
from lambda_course.labs import ROOT
from localaws.credentials import scoped_environ

COURSE = ROOT / "course"
CELL_TIMEOUT_S = 120
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def run_chapter(slug: str, extra: str | None = None, course: Path = COURSE) -> nbformat.NotebookNode:
    """Execute `course/<slug>.ipynb` (plus an `extra` cell at the end, if given) and return it with its outputs.

    A cell that raises stops the run (nbclient's CellExecutionError); the outputs up to it stay on the notebook.
    """
    nb = nbformat.read(course / f"{slug}.ipynb", as_version=4)
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    with kernel_tmpdir() as scratch, _inline_plots():
        NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", config=kernel_config(sockets=scratch),
                       resources={"metadata": {"path": str(course)}}).execute()
    return nb


def _inline_plots() -> contextlib.AbstractContextManager[None]:
    """Kernels started inside draw with the inline backend; the caller's environment is left as it was."""
    return scoped_environ({"MPLBACKEND": INLINE_BACKEND})


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """Every error output of an executed notebook, as 'cell N: Name: value'."""
    return [f"cell {index}: {out.ename}: {out.evalue}" for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
