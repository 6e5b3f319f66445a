"""The class gradebook: one writer puts each worker's graded submission into it, replacing any earlier one.

Workers grade in gradebooks of their own (see parallel.py) and send back nbgrader's grade and comment rows
and the graded notebook. Here they become the learner's submission in the class gradebook, exactly as if
nbgrader had graded it there, with its time and any late penalty; the graded notebook and the feedback page
the worker wrote go where nbgrader keeps them.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from grader.autograde import LabGrader
from grader.config import COURSE_ID
from grader.parallel import Graded

_GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")


def record(grader: LabGrader, graded: Graded) -> None:
    """Make `graded` the learner's only submission of the lab in the class gradebook and working folder."""
    lab_id, learner = grader.lab.id, graded.result.learner
    with Gradebook(grader.config.CourseDirectory.db_url, COURSE_ID) as gradebook, warnings.catch_warnings():
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

