"""Every import made inside a function in the packages says, in a comment, why it is not at the top of its module.

The rule behind it: imports go at the top of the module, where a reader looks for them and where import-linter's
layers are plain to see. One is made inside a function only for a reason worth a comment on its line or on the
line directly above (which also covers the imports that follow it line after line): start-up time (moto, boto3,
nbgrader, matplotlib... would load on `import` rather than at first use), or an optional dependency. A cycle
between modules is not such a reason: fix the cycle instead.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [ROOT / name for name in ("grader", "localaws", "iampolicy", "lambda_course")]


def _commented_lines(source: str) -> set[int]:
    return {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT}


def inner_imports(path: Path) -> list[tuple[int, bool]]:
    """Each import inside a function (however deeply nested): its line, and whether a comment covers it: one on
    its line, on the line above, or heading the run of imports it belongs to."""
    source = path.read_text()
    commented = _commented_lines(source)
    nodes: dict[int, ast.Import | ast.ImportFrom] = {}
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            nodes.update((node.lineno, node) for node in ast.walk(function)
                         if isinstance(node, ast.Import | ast.ImportFrom))
    covered_ends: set[int] = set()
    found = []
    for line in sorted(nodes):
        covered = line in commented or line - 1 in commented or line - 1 in covered_ends
        if covered:
            covered_ends.add(nodes[line].end_lineno or line)
        found.append((line, covered))
    return found


def test_the_check_finds_uncommented_inner_imports(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "import json\n"                                     # 1: at the top: not counted
        "\n"
        "def f():\n"
        "    import os\n"                                   # 4: no comment
        "    import boto3  # start-up time\n"               # 5: a comment on its line
        "    # optional: only when plotting\n"
        "    from matplotlib import pyplot\n"               # 7: a comment on the line above
        "\n"
        "    def g():\n"
        "        from . import sibling\n"                   # 10: nested, no comment
        "\n"
        "class C:\n"
        "    import re\n"                                   # 13: in a class body, not a function: not counted
        "\n"
        "    async def h(self):\n"
        "        import asyncio\n"                          # 16: no comment
        "        x = 1  # a comment here covers the next line\n"
        "        import shutil\n"                           # 18: covered by the comment above
        "        from pathlib import (\n"                   # 19: follows a covered import: covered
        "            Path)\n"
        "        import glob\n"                            # 21: follows that one: covered
        "\n"
        "        import csv\n"                             # 23: a blank line ends the run: not covered
        "        return json, os, boto3, pyplot, g, asyncio, x, shutil, Path, glob, csv\n"
    )
    assert inner_imports(module) == [(4, False), (5, True), (7, True), (10, False), (16, False), (18, True),
                                     (19, True), (21, True), (23, False)]


def test_every_inner_import_says_why_it_is_not_at_the_top():
    silent = [f"{path.relative_to(ROOT)}:{line}" for path in _modules()
              for line, commented in inner_imports(path) if not commented]
    assert silent == [], ("move these imports to the top of their modules, or say why they cannot be there "
                          "(start-up time, optional dependency) in a comment on the import's line")


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in package.rglob("*.py"))
