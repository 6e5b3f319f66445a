"""The recheck's runner, started in a jail: run a lab's cells as plain Python, outside any IPython kernel.

    python -m grader.grading.trust.worker CELLS_JSON SKIP_JSON

CELLS_JSON holds the cells in order ({"source", "kind"}, kind one of setup, answer, extra, test); it is
deleted as soon as it is read. Without IPython there are no input transformers, events or display hooks a
submission could bend. Before each test cell the worker puts back the functions and classes of the modules
the checks rely on (GUARDED), the builtins, and the names the lab's own set-up cells defined, so a patched
check helper is undone; after it, they are compared again, and a test that ran with a changed one fails.

Events go to the original standard output as JSON lines; the learner's prints go nowhere.
"""

from __future__ import annotations

import builtins
import io
import json
import linecache
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from IPython.core.inputtransformer2 import TransformerManager

# The modules test cells rely on: the course's helpers and what they use to judge an answer.
GUARDED = ("grader.checks", "grader.deploy", "grader.facts", "json", "base64", "math", "linecache",
           "textwrap", "copy", "re", "operator")


class _Shell:
    """Stands in for `get_ipython()`: magics do nothing but run the code they wrap; hooks do nothing."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.user_ns = namespace
        self.input_transformers_cleanup: list = []
        self.input_transformers_post: list = []
        self.ast_transformers: list = []

    def run_line_magic(self, name: str, line: str, *args: Any, **kwargs: Any) -> None:
        if name in ("time", "timeit"):  # the statement timed still has to run
            run_code(line, f"<line-magic-{name}>", self.user_ns)

    def run_cell_magic(self, name: str, line: str, body: str) -> None:
        run_code(body, f"<cell-magic-{name}>", self.user_ns)

    def system(self, *args: Any, **kwargs: Any) -> None:
        return None

    getoutput = system

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def run_code(source: str, filename: str, namespace: dict[str, Any]) -> None:
    """Run one cell's source as IPython would see it, keeping it in linecache for module_source()."""
    python = TransformerManager().transform_cell(source)
    linecache.cache[filename] = (len(python), None, python.splitlines(keepends=True), filename)
    exec(compile(python, filename, "exec"), namespace)  # noqa: S102 - running the cell is the point


class Guard:
    """What a test cell must run with: functions, classes and builtins as they were before learner code."""

    def __init__(self) -> None:
        self.modules = {name: _callables(sys.modules[name]) for name in GUARDED if name in sys.modules}
        self.builtins = dict(vars(builtins))
        self.lab_names: dict[str, Any] = {}

    def remember_lab_names(self, namespace: dict[str, Any], before: set[str],
                           changed: dict[str, Any]) -> None:
        """Keep the names a set-up cell bound, to restore them before each test."""
        for name, value in namespace.items():
            if name not in before or changed.get(name) is not value:
                self.lab_names[name] = value

    def restore(self, namespace: dict[str, Any]) -> None:
        """Undo any patch of a pre-loaded function or class, of builtins, and of the lab's own names."""
        sys.settrace(None)
        sys.setprofile(None)
        for name, saved in self.modules.items():
            module = sys.modules.get(name)
            if module is not None:
                vars(module).update(saved)
        vars(builtins).update(self.builtins)
        namespace.update(self.lab_names)

    def tampered(self, namespace: dict[str, Any]) -> list[str]:
        """Names that changed while a test ran (a background thread or a hook patching the helpers)."""
        changed = [f"{m}.{k}" for m, saved in self.modules.items() if (mod := sys.modules.get(m)) is not None
                   for k, v in saved.items() if vars(mod).get(k) is not v]
        return changed + [k for k, v in self.lab_names.items() if namespace.get(k) is not v]


def _callables(module: Any) -> dict[str, Any]:
    try:
        items = list(vars(module).items())
    except TypeError:
        return {}
    return {k: v for k, v in items if callable(v) and not k.startswith("__")}


def main(cells_path: str, skip_json: str) -> None:
    """Run every cell, reporting each start and outcome; exit quietly at the end."""
    cells = json.loads(Path(cells_path).read_text())
    Path(cells_path).unlink()
    skip = set(json.loads(skip_json))
    events = os.fdopen(os.dup(1), "w", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdout = sys.stderr = io.StringIO()
    import grader.checks  # noqa: F401 - loaded before any learner code, so the guard covers it
    import grader.deploy  # noqa: F401

    guard = Guard()
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    namespace["get_ipython"] = lambda: _Shell(namespace)
    for index, cell in enumerate(cells):
        if index in skip:
            continue
        events.write(json.dumps({"cell": index, "event": "start"}) + "\n")
        outcome = _run_cell(cell, index, namespace, guard)
        sys.stdout = sys.stderr = io.StringIO()
        events.write(json.dumps({"cell": index, "event": "done", **outcome}) + "\n")
    events.write(json.dumps({"event": "end"}) + "\n")
    events.flush()
    os._exit(0)


def _run_cell(cell: dict, index: int, namespace: dict[str, Any], guard: Guard) -> dict:
    """Run one cell; a test first gets the untouched helpers back, and fails if they change under it."""
    before = set(namespace)
    values = dict(namespace)
    if cell["kind"] == "test":
        guard.restore(namespace)
    try:
        run_code(cell["source"], f"<cell-{index}>", namespace)
        error = ""
    except BaseException as problem:  # anything the cell raises, SystemExit included, only fails this cell
        error = _describe(problem)
    if cell["kind"] == "setup":
        guard.remember_lab_names(namespace, before, values)
    if cell["kind"] == "test" and not error and (changed := guard.tampered(namespace)):
        error = f"the course's helpers were changed while this test ran: {', '.join(changed[:5])}"
    return {"ok": not error, "error": error}


def _describe(problem: BaseException) -> str:
    """What a cell raised, as one line; never empty, since an empty error would read as a pass."""
    text = "".join(traceback.format_exception_only(type(problem), problem)).strip()[:2000]
    return text or "the cell raised an exception with no name and no message"


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
