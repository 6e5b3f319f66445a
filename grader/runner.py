"""Run one nbgrader converter with the course configuration, capturing its log instead of printing it."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable
from typing import Any

from nbformat.warnings import MissingIDFieldWarning
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from grader.gradebook import use_in_process_alembic_head


class NbgraderFailed(RuntimeError):
    """An nbgrader step failed; the message carries the end of its log."""


def run_converter(
    converter_class: Callable[..., Any],
    config: Config,
    assignment_id: str,
    student_id: str = ".",
    **settings: Any,
) -> str:
    """Run `converter_class` (GenerateAssignment, Autograde, ...) for one lab and learner; return its log."""
    use_in_process_alembic_head()
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment_id
    coursedir.student_id = student_id
    converter = converter_class(coursedir=coursedir, config=config)
    for name, value in settings.items():
        setattr(converter, name, value)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log = converter.log
    saved = (log.handlers[:], log.propagate, log.level)
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings():
            # nbgrader's gradebook code trips SQLAlchemy's autoflush warnings, and the test cells it puts back
            # have no cell id; neither is ours to fix, nor useful to whoever runs the command.
            warnings.simplefilter("ignore", SAWarning)
            warnings.simplefilter("ignore", MissingIDFieldWarning)
            converter.start()
    except Exception as error:  # not swallowed: raised again as NbgraderFailed, with the end of nbgrader's log
        tail = "\n".join(buffer.getvalue().splitlines()[-25:])
        step = converter_class.__name__
        raise NbgraderFailed(f"nbgrader {step} failed for {assignment_id}: {error}\n{tail}") from error
    finally:
        log.handlers[:], log.propagate, _ = saved
        log.setLevel(saved[2])
    return buffer.getvalue()
