"""Turn a failed cell's error output into the short message a learner should read, not a raw traceback."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

_STUB_MESSAGE = (
    "This part is not written yet: the function still raises NotImplementedError. "
    "Replace the `raise NotImplementedError()` line with your code."
)
_TIMEOUT_MESSAGE = "The cell did not finish in time. Look for an endless loop or a call that waits forever."


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes that IPython puts in tracebacks."""
    return _ANSI.sub("", text)


def error_message(error: Mapping[str, Any]) -> str:
    """The learner-facing message for one nbformat error output (`ename`, `evalue`)."""
    name, value = error.get("ename", "Error"), strip_ansi(str(error.get("evalue", ""))).strip()
    if name == "NotImplementedError":
        return _STUB_MESSAGE
    if name in ("CellTimeoutError", "TimeoutError") and not value:
        return _TIMEOUT_MESSAGE
    if name == "AssertionError":
        return value or "A check failed without saying why."
    if name == "NameError":
        return (
            f"{name}: {value}. Something this test uses is not defined: finish the answer that defines it, "
            "then run the cells from the top in order."
        )
    return f"{name}: {value}" if value else name


def first_error(outputs: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first error output of a code cell, if it has one."""
    return next((out for out in outputs if out.get("output_type") == "error"), None)
