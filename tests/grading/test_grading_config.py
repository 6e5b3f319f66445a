"""The nbgrader configuration's answers to known traps, and the pieces grading reports are made of."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors import IgnorePattern, SaveAutoGrades
from nbgrader.utils import determine_grade

from grader.config import CoursePaths, nbgrader_config
from grader.feedback import HideHiddenTests
from grader.messages import error_message
from grader.rubrics import AddRubrics
from grader.scores import summary_table
from grader.scoring import DropTestCellResults
from lambda_course.labs import ROOT as REPO_ROOT


def graded_cell(outputs: list) -> nbformat.NotebookNode:
    """A test cell worth 2 points with the given outputs."""
    marks = {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 2}
    marks["schema_version"] = 3
    cell = new_code_cell("check()", metadata={"nbgrader": marks})
    cell.outputs = outputs
    return cell


def test_stderr_from_a_passing_test_cell_no_longer_costs_its_points():
    noisy = graded_cell([new_output("stream", name="stderr", text="WARNING:bill:bill request received\n")])
    assert determine_grade(noisy) == (0, 2), "nbgrader scores any stderr as a failure"
    IgnorePattern(config=nbgrader_config()).preprocess_cell(noisy, {}, 0)
    assert determine_grade(noisy) == (2, 2)


def test_a_failing_test_cell_still_scores_zero_after_stderr_is_dropped():
    failing = graded_cell(
        [
            new_output("stream", name="stderr", text="debug\n"),
            new_output("error", ename="AssertionError", evalue="wrong total", traceback=["..."]),
        ]
    )
    IgnorePattern(config=nbgrader_config()).preprocess_cell(failing, {}, 0)
    assert determine_grade(failing) == (0, 2)


def test_a_test_cell_scores_by_raising_not_by_the_value_it_displays():
    for shown, nbgrader_alone in [("0.5", (0.5, 2)), ("False", (2, 2))]:
        passing = graded_cell([new_output("execute_result", data={"text/plain": shown}, execution_count=1)])
        assert determine_grade(passing) == nbgrader_alone
        DropTestCellResults().preprocess_cell(passing, {}, 0)
        assert determine_grade(passing) == (2, 2)


def test_autograde_keeps_nbgrader_steps_with_a_jailed_judged_execute_and_the_result_drop():
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from grader.trust.kernel import JailedExecute

    ours = nbgrader_config().Autograde.autograde_preprocessors
    assert ours.index(DropTestCellResults) < ours.index(SaveAutoGrades)
    assert Execute not in ours and issubclass(JailedExecute, Execute)
    expected = [JailedExecute if step is Execute else step for step in Autograde().autograde_preprocessors]
    assert [step for step in ours if step not in (DropTestCellResults, AddRubrics)] == expected


def test_the_cell_timeout_is_set_once_on_execute_and_missing_cells_come_back():
    config = nbgrader_config(cell_timeout=42)
    assert config.Execute.timeout == 42
    assert "timeout" not in config.ExecutePreprocessor
    assert config.OverwriteCells.add_missing_cells is True


def test_the_working_folders_live_under_dot_grading_by_default_or_where_asked(tmp_path: Path):
    default = nbgrader_config().CourseDirectory
    assert default.root == str(REPO_ROOT)
    assert (default.source_directory, default.release_directory) == ("solutions", "labs")
    for step in ("submitted", "autograded", "feedback"):
        assert getattr(default, f"{step}_directory") == f".grading/{step}"
    assert default.db_url == f"sqlite:///{REPO_ROOT / '.grading' / 'gradebook.db'}"
    elsewhere = nbgrader_config(CoursePaths(work=tmp_path)).CourseDirectory
    assert elsewhere.autograded_directory == str(tmp_path.resolve() / "autograded")


def test_the_repository_nbgrader_config_file_loads_the_same_settings():
    from traitlets.config.loader import PyFileConfigLoader

    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    assert loaded == nbgrader_config()


def test_feedback_hides_hidden_tests_and_cuts_tracebacks_to_the_message():
    secret = "checks.check_secret_case(handler)"
    traceback = ["\x1b[31mAssertionError\x1b[0m", "Cell In[9], line 4", secret]
    message = "For POST /split the handler answered 200"
    cell = graded_cell([new_output("error", ename="AssertionError", evalue=message, traceback=traceback)])
    cell.source = f"visible_check()\n### BEGIN HIDDEN TESTS\n{secret}\n### END HIDDEN TESTS"
    HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert cell.source == "visible_check()"
    assert cell.outputs[0].traceback == ["AssertionError: For POST /split the handler answered 200"]


def test_error_messages_are_written_for_learners():
    assert "not written yet" in error_message({"ename": "NotImplementedError", "evalue": ""})
    coloured = {"ename": "AssertionError", "evalue": "\x1b[1mtotal\x1b[0m is wrong"}
    assert error_message(coloured) == "total is wrong"
    undefined = {"ename": "NameError", "evalue": "name 'x' is not defined"}
    assert "run the cells from the top" in error_message(undefined)
    assert "did not finish in time" in error_message({"ename": "CellTimeoutError", "evalue": ""})
    assert error_message({"ename": "ZeroDivisionError", "evalue": "division by zero"}) == (
        "ZeroDivisionError: division by zero"
    )


def test_the_summary_table_shows_points_late_penalties_errors_and_the_average():
    from grader.autograde import Result

    maxima = {"q1": 1.0, "q2": 2.0}
    results = [
        Result("ada", {"q1": 1.0, "q2": 2.0}, maxima),
        Result("bo", {"q1": 0.0, "q2": 0.5}, maxima),
        Result("cy", {}, maxima, error="kernel died"),
    ]
    table = summary_table(results, ["q1", "q2"], maxima).splitlines()
    assert table[0].split() == ["learner", "q1", "q2", "total"]
    assert table[2].split() == ["(max)", "1", "2", "3"]
    assert table[5].split() == ["cy", "-", "-", "error"]
    assert table[-1].split() == ["(average)", "1.8"]
    late = summary_table(results, ["q1", "q2"], maxima, {"ada": 0.3, "bo": 0}).splitlines()
    assert late[0].split() == ["learner", "q1", "q2", "late", "total"]
    assert late[3].split() == ["ada", "1", "2", "-0.3", "2.7"] and late[4].split() == ["bo", "0", "0.5", "0.5"]
    assert late[-1].split() == ["(average)", "1.6"]  # (2.7 + 0.5) / 2: cy's error counts in no average


def test_a_kernel_given_a_socket_folder_talks_over_unix_sockets_there(tmp_path: Path):
    from nbclient import NotebookClient

    from grader.config import kernel_config

    nb = nbformat.v4.new_notebook(cells=[new_code_cell("import os; os.getpid()")])
    client = NotebookClient(nb, kernel_name="python3", config=kernel_config(sockets=tmp_path))
    with client.setup_kernel():
        assert client.km.transport == "ipc"
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_socket())[:1] == ["kernel-1"]
        client.execute_cell(nb.cells[0], 0)
    assert nb.cells[0].outputs and nb.cells[0].outputs[0].output_type == "execute_result"
    assert kernel_config().KernelManager.get("transport", "tcp") == "tcp"


def test_feedback_exporters_share_compiled_templates_and_render_the_same(monkeypatch):
    import jinja2

    from grader.feedback import FeedbackExporter

    nb = nbformat.v4.new_notebook(cells=[new_code_cell("print('hi')")])
    first, _ = FeedbackExporter(template_name="lab").from_notebook_node(nb)
    compiled = []
    original = jinja2.Environment.compile

    def counting_compile(self, *args, **kwargs):
        compiled.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    second, _ = FeedbackExporter(template_name="lab").from_notebook_node(nb)
    assert compiled == []  # a new exporter, as nbgrader makes for each run, compiled nothing again
    assert second.replace(_ids(second), "") == first.replace(_ids(first), "")
    assert nbgrader_config().GenerateFeedback.exporter_class is FeedbackExporter


def _ids(html: str) -> str:
    """The random element id nbconvert's templates put in each page ('' when none)."""
    import re

    found = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", html)
    return found.group(0) if found else "\0"
