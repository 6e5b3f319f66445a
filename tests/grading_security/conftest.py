"""One graded batch of hostile lab 1 submissions (hostile_lab1.toml), honest ones before, among and after."""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from labtesting import once_per_run

from grader.trust.jail import bwrap_path

SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "LAMBDA_COURSE_GRADER_TOKEN")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The hostile batch needs bubblewrap and root: without them the fixtures would run unjailed."""
    if bwrap_path() and os.geteuid() == 0:
        return
    reason = "needs bubblewrap and root (apt-get install -y bubblewrap) to jail hostile submissions"
    for item in items:
        if "hostile_batch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class HostileBatch:
    """The results of grading every fixture in one working folder, and where everything was written."""

    results: dict
    work: Path
    submissions: Path
    tag: str
    secret: str
    lab_id: str

    def graded_notebook(self, learner: str) -> str:
        """The autograded copy of a learner's notebook, as text ('' when grading failed)."""
        path = self.work / "autograded" / learner / self.lab_id / f"{self.lab_id}.ipynb"
        return path.read_text() if path.exists() else ""

    def graded_outputs(self, learner: str) -> str:
        """Everything the learner's cells printed or raised while graded, as one text."""
        text = self.graded_notebook(learner)
        if not text:
            return ""
        cells = json.loads(text)["cells"]
        return json.dumps([c.get("outputs", []) for c in cells if c["cell_type"] == "code"])

    def feedback(self, learner: str) -> str:
        """The learner's feedback page ('' when none was written)."""
        path = self.work / "feedback" / learner / self.lab_id / f"{self.lab_id}.html"
        return path.read_text() if path.exists() else ""


@pytest.fixture(scope="session")
def hostile_batch(tmp_path_factory: pytest.TempPathFactory) -> HostileBatch:
    """Every fixture graded once per test run (shared by xdist workers), as a HostileBatch."""
    fields = once_per_run(tmp_path_factory, "lab1-hostile", _grade_hostile)
    return HostileBatch(**fields)


def _grade_hostile(folder: Path) -> dict:
    """Grade every fixture in order, with secrets in the grader's environment, then write all feedback."""
    from hostile import LAB, fixtures

    from grader.autograde import LabGrader, Submission
    from grader.config import CoursePaths
    from grader.trust.jail import Limits
    from lambda_course.labs import ROOT as REPO_ROOT

    tag = uuid.uuid4().hex[:12]  # in file names the hostile code tries to write
    secret = f"secret{uuid.uuid4().hex}"  # in the grader's environment only, never in any notebook
    work, submissions = folder / "work", folder / "submissions"
    work.mkdir()
    submissions.mkdir()
    values = {"root": str(REPO_ROOT), "work": str(work), "submissions": str(submissions),
              "gradebook": str(work / "gradebook.db"), "tag": tag}
    saved = {name: os.environ.get(name) for name in SECRET_VARIABLES}
    os.environ.update(dict.fromkeys(SECRET_VARIABLES, secret))
    try:
        # Short cell timeouts keep the loop fixtures quick; question 4 (deploy and invoke) still fits.
        grader = LabGrader(dataclasses.replace(LAB, cell_timeout=8), CoursePaths(work=work))
        grader.limits = Limits(wall_s=150, processes=192)  # a lower process cap: the fork bomb ends sooner
        grader.prepare()
        results = {}
        for fixture in fixtures():
            path = fixture.write(submissions, values)
            results[fixture.learner] = grader.grade(Submission(fixture.learner, path))
        grader.write_feedback(list(results.values()))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {"results": results, "work": work, "submissions": submissions, "tag": tag, "secret": secret,
            "lab_id": LAB.id}
