"""A class cycle run with nbgrader's own commands through a local exchange, graded by the course's configuration.

The instructor generates and releases lab 1; two learners fetch it, answer it and submit it; the instructor
collects, autogrades, writes and releases feedback; each learner fetches theirs. Nothing calls the course's
own grading code: every step is an `nbgrader` subprocess reading the course's nbgrader_config.py, as the
Formgrader and an instructor's terminal would. `nbgrader autograde` therefore runs the course's JailedExecute
on its own, making a jail for each learner's kernel and judging test cells outside it.

One learner, "ada", gives the reference answers. The other, "cheat", leaves the stubs and installs an IPython
input transformer that empties every cell mentioning `checks.`: with nbgrader's plain Execute every test cell
would run empty and pass, so the cheat would score full marks; judged outside the kernel, it scores nothing.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from lab1_submissions import LAB, released_nb, solution_nb
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from grader.config import CoursePaths
from grader.merge import cell_by_id, cell_index, grade_id, is_test
from lambda_course.grading import COURSE_ID
from lambda_course.labs import ROOT as REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("nbgrader-cycle")]

NBGRADER = Path(sys.executable).parent / "nbgrader"
INSTRUCTOR = "instructor"
LEARNERS = ("ada", "cheat")
COMMAND_TIMEOUT_S = 900

# Appears only inside a `### BEGIN HIDDEN TESTS` region of lab 1's solution (q2-tests).
HIDDEN_ONLY = "with no tip given"

CHEAT_TRANSFORMER = (
    "def _skip(lines):\n"
    '    return ["pass\\n"] if any("checks." in l for l in lines) else lines\n'
    "\n"
    "\n"
    "get_ipython().input_transformers_cleanup.append(_skip)\n"
)
# Mentions `checks.`, so it prints only when the transformer is not in force.
CHEAT_PROBE = 'print("the input transformer is off: checks. ran")\n'
# Output and markdown that would run script in whoever opens the feedback page, were it kept.
CHEAT_SCRIPT_OUTPUT = (
    "from IPython.display import HTML, display\n"
    "\n"
    "display(HTML(\"<script>document.title = 'learner output'</script><b>my notes</b>\"))\n"
)
CHEAT_SCRIPT_MARKDOWN = "<script>document.title = 'learner markdown'</script>\n\nMy notes."

COURSE_CONFIG = '''\
"""The course's nbgrader settings for this folder, with a local exchange."""

from pathlib import Path

from grader.config import CoursePaths, nbgrader_config

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.merge(nbgrader_config(CoursePaths(root=Path({root!r}), work=Path({work!r}))))
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = False
# Every command here runs as one system user, so a submission's owner cannot tell learners apart.
c.ExchangeCollect.check_owner = False
'''

LEARNER_CONFIG = '''\
"""A learner's nbgrader settings: where the exchange is, and which course."""

c = get_config()  # noqa: F821 - provided by the traitlets config loader
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = False
'''


# ---- the learners' answers ----


def answer_as_ada(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Every answer cell of `nb` given the reference solution's source."""
    solution = solution_nb()
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = cell_by_id(solution, grade_id(cell)).source
    return nb


def answer_as_cheat(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The stubs kept, and, after the set-up cell, the transformer, a probe of it, and script to display."""
    at = cell_index(nb, "setup") + 1
    nb.cells[at:at] = [
        nbformat.v4.new_code_cell(CHEAT_TRANSFORMER),
        nbformat.v4.new_code_cell(CHEAT_PROBE),
        nbformat.v4.new_code_cell(CHEAT_SCRIPT_OUTPUT),
        nbformat.v4.new_markdown_cell(CHEAT_SCRIPT_MARKDOWN),
    ]
    return nb


ANSWERS: dict[str, Callable[[nbformat.NotebookNode], nbformat.NotebookNode]] = {
    "ada": answer_as_ada,
    "cheat": answer_as_cheat,
}


# ---- a course folder and the people using it ----


@dataclass
class Course:
    """A course folder with lab 1, a local exchange, and a home for each person, driven by `nbgrader`."""

    base: Path
    outputs: dict[str, str] = field(default_factory=dict)  # each command's output, by "<command> as <who>"

    @property
    def root(self) -> Path:
        """The course root: solutions/, labs/, nbgrader_config.py and the .grading working folder."""
        return self.base / "course"

    @property
    def paths(self) -> CoursePaths:
        """The course's paths, as its nbgrader_config.py gives them to nbgrader."""
        return CoursePaths(root=self.root, work=self.root / ".grading")

    @property
    def exchange(self) -> Path:
        """The exchange folder every person reads and writes."""
        return self.base / "exchange"

    def home(self, who: str) -> Path:
        """A person's home folder; a learner works in theirs."""
        return self.base / "home" / who

    def set_up(self) -> Course:
        """Copy lab 1 in, write the course's and the learners' nbgrader settings, and make the exchange."""
        ignore = shutil.ignore_patterns(".ipynb_checkpoints")
        for folder in ("solutions", "labs"):
            shutil.copytree(REPO_ROOT / folder / LAB.id, self.root / folder / LAB.id, ignore=ignore)
        # nbgrader cannot create its gradebook in a missing folder; `generate_assignment --force` would by then
        # have removed labs/<lab> already.
        self.paths.work_dir.mkdir(parents=True)
        self.exchange.mkdir()
        self.exchange.chmod(0o777)  # nbgrader requires an exchange everyone may write to
        settings = {"course": COURSE_ID, "exchange": str(self.exchange)}
        work = str(self.paths.work_dir)
        (self.root / "nbgrader_config.py").write_text(COURSE_CONFIG.format(root=str(self.root), work=work, **settings))
        for who in (INSTRUCTOR, *LEARNERS):
            self.home(who).mkdir(parents=True)
        for who in LEARNERS:
            (self.home(who) / ".jupyter").mkdir()
            (self.home(who) / ".jupyter" / "nbgrader_config.py").write_text(LEARNER_CONFIG.format(**settings))
        return self

    def nbgrader(self, who: str, *args: str) -> str:
        """Run `nbgrader *args` as `who` (in the course root for the instructor, else in their home)."""
        cwd = self.root if who == INSTRUCTOR else self.home(who)
        result = subprocess.run(
            [str(NBGRADER), *args], cwd=cwd, env=_environment(self.home(who)), capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT_S, check=False,
        )  # fmt: skip
        output = result.stdout + result.stderr
        self.outputs[f"{args[0]} as {who}"] = output
        assert result.returncode == 0, f"nbgrader {' '.join(args)} as {who} failed:\n{output[-6000:]}"
        return output

    def submitted_notebook(self, who: str) -> Path:
        """Where a learner's collected (or directly filed) notebook lives."""
        return self.paths.work_dir / "submitted" / who / LAB.id / f"{LAB.id}.ipynb"

    def autograded(self, who: str) -> nbformat.NotebookNode:
        """A learner's notebook as `nbgrader autograde` left it."""
        return nbformat.read(self.paths.work_dir / "autograded" / who / LAB.id / f"{LAB.id}.ipynb", as_version=4)

    def scores(self) -> dict[str, dict[str, float]]:
        """Each learner's points per test cell, total and maximum, from the gradebook nbgrader_config.py names."""
        db_url = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config().CourseDirectory.db_url
        scores: dict[str, dict[str, float]] = {}
        with Gradebook(db_url, COURSE_ID) as gradebook:
            for who in LEARNERS:
                submission = gradebook.find_submission(LAB.id, who)
                points = {grade.name: grade.score for notebook in submission.notebooks for grade in notebook.grades}
                scores[who] = {**points, "total": submission.score, "max": submission.max_score}
        return scores


def _environment(home: Path) -> dict[str, str]:
    """This process's environment for one person: their HOME, the .venv's scripts first, no Jupyter overrides.

    nbgrader runs alembic as a subprocess, so the .venv's bin folder must be on PATH. Each person's HOME keeps
    their nbgrader cache (which `fetch_feedback` reads) and Jupyter settings apart from everyone else's.
    """
    drop = ("JUPYTER", "JPY_", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    env = {key: value for key, value in os.environ.items() if not key.startswith(drop)}
    env["HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(NBGRADER.parent), env.get("PATH", "")])
    return env


def _answer(path: Path, who: str) -> None:
    """Put `who`'s answers into the notebook at `path`."""
    nbformat.write(ANSWERS[who](nbformat.read(path, as_version=4)), path)


# ---- the whole cycle through the exchange ----


@dataclass(frozen=True)
class Cycle:
    """What a finished class cycle left: the course, the gradebook's scores and each learner's feedback page."""

    course: Course
    scores: dict[str, dict[str, float]]
    feedback: dict[str, list[Path]]


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    """Release lab 1, have both learners fetch, answer and submit it, grade it, and return the feedback."""
    if not NBGRADER.is_file():
        pytest.skip(f"no nbgrader script beside {sys.executable}")
    course = Course(tmp_path_factory.mktemp("nbgrader-cycle")).set_up()
    course.nbgrader(INSTRUCTOR, "generate_assignment", LAB.id, "--force")
    course.nbgrader(INSTRUCTOR, "release_assignment", LAB.id)
    for who in LEARNERS:
        course.nbgrader(who, "fetch_assignment", LAB.id, f"--student={who}")
        _answer(course.home(who) / LAB.id / f"{LAB.id}.ipynb", who)
        course.nbgrader(who, "submit", LAB.id, f"--student={who}")
    for step in ("collect", "autograde", "generate_feedback", "release_feedback"):
        course.nbgrader(INSTRUCTOR, step, LAB.id)
    for who in LEARNERS:
        course.nbgrader(who, "fetch_feedback", LAB.id, f"--student={who}")
    feedback = {who: sorted((course.home(who) / LAB.id / "feedback").glob(f"*/{LAB.id}.html")) for who in LEARNERS}
    return Cycle(course, course.scores(), feedback)


def test_the_lab_source_has_the_hidden_marker_and_the_release_does_not():
    assert HIDDEN_ONLY in "".join(cell.source for cell in solution_nb().cells if is_test(cell))
    assert HIDDEN_ONLY not in "".join(cell.source for cell in released_nb().cells)


def test_each_learner_submission_is_collected_from_the_exchange(cycle: Cycle):
    for who in LEARNERS:
        collected = nbformat.read(cycle.course.submitted_notebook(who), as_version=4)
        assert (CHEAT_TRANSFORMER in [cell.source for cell in collected.cells]) == (who == "cheat")


def test_autograde_through_the_exchange_gives_ada_full_marks_and_the_cheat_none(cycle: Cycle):
    ada, cheat = cycle.scores["ada"], cycle.scores["cheat"]
    log = cycle.course.outputs["autograde as instructor"][-6000:]
    assert (ada["total"], ada["max"]) == (LAB.points, LAB.points), f"{ada}\n{log}"
    assert (cheat["total"], cheat["max"]) == (0, LAB.points), f"{cheat}\n{log}"
    tests = [grade_id(cell) for cell in solution_nb().cells if is_test(cell)]
    assert all(ada[test] > 0 for test in tests) and all(cheat[test] == 0 for test in tests), cycle.scores


def test_the_cheat_transformer_was_in_force_in_the_graded_kernel(cycle: Cycle):
    # The cheat scored 0 with the transformer working, not because its cell failed.
    graded = cycle.course.autograded("cheat")
    by_source = {cell.source: cell for cell in graded.cells if cell.cell_type == "code"}
    assert not any(out.output_type == "error" for out in by_source[CHEAT_TRANSFORMER].outputs)
    assert by_source[CHEAT_PROBE].outputs == [], "the probe cell ran: the transformer was not in force"
    shown = by_source[CHEAT_SCRIPT_OUTPUT].outputs
    assert any("<script" in out.get("data", {}).get("text/html", "") for out in shown), shown


@pytest.mark.parametrize(("who", "score"), [("ada", "10.0 / 10.0"), ("cheat", "0.0 / 10.0")])
def test_each_learner_fetches_their_own_feedback_with_their_score(cycle: Cycle, who: str, score: str):
    assert len(cycle.feedback[who]) == 1, (cycle.feedback, cycle.course.outputs[f"fetch_feedback as {who}"])
    page = cycle.feedback[who][0].read_text()
    assert f"{LAB.id} (Score: {score})" in page


@pytest.mark.parametrize("who", LEARNERS)
def test_fetched_feedback_shows_no_hidden_test_and_no_learner_script(cycle: Cycle, who: str):
    page = cycle.feedback[who][0].read_text()
    assert HIDDEN_ONLY not in page and "HIDDEN TESTS" not in page
    # The page's head holds nbconvert's own MathJax scripts; nothing after it may be a script.
    body = page.split("</head>", 1)[1]
    assert not re.search(r"<script", body, flags=re.IGNORECASE), re.findall(r".{80}<script.{80}", body)


# ---- plain `nbgrader autograde` on submissions filed by hand ----


def test_plain_nbgrader_autograde_gives_ada_full_marks_and_the_cheat_none(tmp_path: Path):
    if not NBGRADER.is_file():
        pytest.skip(f"no nbgrader script beside {sys.executable}")
    course = Course(tmp_path).set_up()
    course.nbgrader(INSTRUCTOR, "generate_assignment", LAB.id, "--force")
    for who in LEARNERS:
        target = course.submitted_notebook(who)
        target.parent.mkdir(parents=True)
        shutil.copy(course.root / "labs" / LAB.id / f"{LAB.id}.ipynb", target)
        _answer(target, who)
    course.nbgrader(INSTRUCTOR, "autograde", LAB.id)
    scores, log = course.scores(), course.outputs["autograde as instructor"][-6000:]
    assert (scores["ada"]["total"], scores["ada"]["max"]) == (LAB.points, LAB.points), f"{scores}\n{log}"
    assert (scores["cheat"]["total"], scores["cheat"]["max"]) == (0, LAB.points), f"{scores}\n{log}"
    assert all(points == 0 for test, points in scores["cheat"].items() if test != "max"), scores


def test_plain_nbgrader_autograde_takes_the_courses_late_penalty_and_nbgrader_export_writes_it_for_canvas(
    tmp_path: Path,
):
    if not NBGRADER.is_file():
        pytest.skip(f"no nbgrader script beside {sys.executable}")
    course = Course(tmp_path).set_up()
    course.nbgrader(INSTRUCTOR, "generate_assignment", LAB.id, "--force")
    course.nbgrader(INSTRUCTOR, "db", "assignment", "add", LAB.id, "--duedate=2026-03-02 00:00:00 UTC")
    target = course.submitted_notebook("ada")
    target.parent.mkdir(parents=True)
    shutil.copy(course.root / "labs" / LAB.id / f"{LAB.id}.ipynb", target)
    _answer(target, "ada")
    (target.parent / "timestamp.txt").write_text("2026-03-03 01:00:00.000000 UTC\n")  # 25 hours late: 2 days
    course.nbgrader(INSTRUCTOR, "autograde", LAB.id)
    db_url = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config().CourseDirectory.db_url
    with Gradebook(db_url, COURSE_ID) as gradebook:
        submission = gradebook.find_submission(LAB.id, "ada")
        assert submission.score == LAB.points, course.outputs["autograde as instructor"][-6000:]
        assert submission.late_submission_penalty == pytest.approx(0.2 * LAB.points)  # 10% per started day
    course.nbgrader(INSTRUCTOR, "export", "--exporter=grader.export.CanvasCsvExport", "--to=canvas.csv")
    with (course.root / "canvas.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0][-1] == f"{LAB.title} ({LAB.id})" and rows[1][-1] == f"{LAB.points:g}"
    assert rows[2:] == [["ada", "", "", "ada", "", f"{0.8 * LAB.points:g}"]]
