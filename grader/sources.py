"""The source of the notebook cells that define some functions, joined into one module a lab can deploy.

It lives in the grading engine because both sides use it: in a learner's kernel it reads the cells IPython
keeps, and in the judge a learner's function (judge.py's stand-in for it) asks the kernel for them.
"""

from __future__ import annotations

import linecache
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any


def module_source(*functions: Callable[..., Any]) -> str:
    """The source of the notebook cells (or files) that define `functions`, joined into one module.

    Each whole cell is kept, with its imports and helpers, so the module can be zipped and deployed as is.
    Functions that live in another process (a learner's, seen by the grader) are asked for it there.
    """
    if not functions:
        raise ValueError("module_source needs at least one function, for example module_source(handler)")
    elsewhere = getattr(functions[0], "module_source_elsewhere", None)
    if elsewhere is not None:
        return str(elsewhere([getattr(function, "__name__", "") for function in functions]))
    sources: list[str] = []
    for function in functions:
        code = getattr(function, "__code__", None)
        assert code is not None, (
            f"{function!r} is not a function written in Python. Pass the functions themselves, for example "
            "module_source(json_response, split_bill, handler)."
        )
        text = _source_file(code.co_filename)
        if text not in sources:
            sources.append(text)
    return "\n\n".join(textwrap.dedent(text).strip() + "\n" for text in sources)


def _source_file(filename: str) -> str:
    """The text of the cell or file named `filename` (IPython keeps each executed cell in linecache)."""
    lines = linecache.getlines(filename)
    if lines:
        return "".join(lines)
    path = Path(filename)
    assert path.is_file(), (
        f"Could not find the source of the cell that defines this function ({filename}). "
        "Run that cell again, then this one."
    )
    return path.read_text()
