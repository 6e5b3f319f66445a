"""The class gradebook: one writer puts each worker's graded submission into it, replacing any earlier one.

Workers grade in gradebooks of their own (see parallel.py) and send back nbgrader's grade and comment rows
and the graded notebook. Here they become the learner's submission in the class gradebook, exactly as if
nbgrader had graded it there, with its time and the late penalty nbgrader gave it; the graded notebook and
the feedback page the worker wrote go where nbgrader keeps them. The assignment's due date in the class
gradebook is the one the run graded against, so the days late the exports show are nbgrader's own count.
"""

from __future__ import annotations

import shutil
import warnings
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from grader.autograde import LabGrader
from grader.course import settings
from grader.parallel import Graded

_GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")


def record(grader: LabGrader, graded: Graded) -> None:
    """Make `graded` the learner's only submission of the lab in the class gradebook and working folder."""
    lab_id, learner = grader.lab.id, graded.result.learner
    with Gradebook(grader.config.CourseDirectory.db_url, settings().course_id) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush noise, as in runner.py
        gradebook.update_or_create_student(learner)
        try:
            gradebook.remove_submission(lab_id, learner)
        except MissingEntry:
            pass
        if not graded.result.error:
            _add(gradebook, lab_id, learner, graded)
    _replace(autograded_notebook(grader, learner), graded.autograded)
    _replace(grader.feedback_path(learner), graded.feedback)  # none after a failure: an old one would mislead
    graded.result.feedback = grader.feedback_path(learner) if graded.feedback else None


def _add(gradebook: Gradebook, lab_id: str, learner: str, graded: Graded) -> None:
    """Add the submission with the worker's grades, comments, time and penalty."""
    extra = {"timestamp": graded.submitted_at} if graded.submitted_at else {}
    gradebook.add_submission(lab_id, learner, **extra)
    for row in graded.grades:
        grade = gradebook.find_grade(row["name"], lab_id, lab_id, learner)
        for name in _GRADE_FIELDS:
            setattr(grade, name, row[name])
    for row in graded.comments:
        gradebook.find_comment(row["name"], lab_id, lab_id, learner).auto_comment = row["auto_comment"]
    notebook = gradebook.find_submission_notebook(lab_id, lab_id, learner)
    notebook.late_submission_penalty = graded.penalty or None
    gradebook.db.commit()


def set_due(grader: LabGrader, due: datetime | None) -> bool:
    """Make `due` the lab's due date in the class gradebook; whether that changed the one submissions had."""
    with Gradebook(grader.config.CourseDirectory.db_url, settings().course_id) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        try:
            lab = gradebook.find_assignment(grader.lab.id)
        except MissingEntry:  # not prepared: nothing graded against any due date
            return False
        before, after = lab.duedate, parse_utc(due)
        lab.duedate = after
        gradebook.db.commit()
        return before != after and bool(lab.submissions)


def autograded_notebook(grader: LabGrader, learner: str) -> Path:
    """Where the class's graded copy of a learner's notebook lives."""
    lab_id = grader.lab.id
    return grader.paths.work_dir / "autograded" / learner / lab_id / f"{lab_id}.ipynb"


def _replace(path: Path, text: str) -> None:
    """Write a learner's file (graded notebook, feedback page), or remove its folder when there is none."""
    if text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    shutil.rmtree(path.parent, ignore_errors=True)

