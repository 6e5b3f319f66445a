"""Releasing labs: labs/ in sync with solutions/, nothing secret released, and the staleness check works."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from lab1_submissions import LAB

from grader.config import CoursePaths
from grader.release import ReleaseError, check_source, notebook_points, stale
from lambda_course.labs import all_labs

pytestmark = pytest.mark.xdist_group("lab-release")

SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def test_the_release_check_passes_on_the_repository(capsys):
    from lambda_course.cli import main

    assert main(["release", "--check"]) == 0, capsys.readouterr().out
    assert "up to date" in capsys.readouterr().out


@pytest.mark.parametrize("lab_id", list(all_labs()))
def test_released_labs_hold_no_solution_or_hidden_test_text(lab_id):
    lab = all_labs()[lab_id]
    released = lab.released().read_text()
    assert not [marker for marker in SECRET_MARKERS if marker in released]
    secrets = _secret_lines(lab.source())
    assert len(secrets) >= 5, "the source notebook should have solution and hidden-test regions"
    leaked = [line for line in secrets if line in released]
    assert not leaked, f"lines from solution or hidden-test regions in labs/: {leaked[:3]}"


@pytest.mark.parametrize("lab_id", list(all_labs()))
def test_lab_folders_hold_only_the_notebook(lab_id):
    lab = all_labs()[lab_id]
    for folder in (lab.source().parent, lab.released().parent):
        files = sorted(p.name for p in folder.rglob("*") if p.is_file() and "checkpoints" not in str(p))
        assert files == [f"{lab_id}.ipynb"], f"{folder} holds {files}"


@pytest.mark.parametrize("lab_id", list(all_labs()))
def test_labs_toml_points_match_the_graded_cells(lab_id):
    lab = all_labs()[lab_id]
    assert notebook_points(nbformat.read(lab.source(), as_version=4)) == lab.points
    assert lab.chapter and lab.title


def test_a_stale_release_is_reported(course_copy: Path):
    paths = CoursePaths(root=course_copy, work=course_copy / ".grading")
    assert stale(LAB, paths).problems == []
    released = LAB.released(course_copy)
    nb = nbformat.read(released, as_version=4)
    nb.cells[0].source += "\n\nAn edit made by hand in labs/."
    nbformat.write(nb, released)
    (released.parent / "notes.txt").write_text("left behind")
    problems = stale(LAB, paths).problems
    assert any("differs" in problem for problem in problems)
    assert any("unexpected notes.txt" in problem for problem in problems)


def test_outputs_and_counts_do_not_make_a_release_stale(course_copy: Path):
    paths = CoursePaths(root=course_copy, work=course_copy / ".grading")
    released = LAB.released(course_copy)
    nb = nbformat.read(released, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    first_code.execution_count = 3
    first_code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    nbformat.write(nb, released)
    assert stale(LAB, paths).problems == []


def test_an_extra_file_in_the_source_folder_stops_the_release(course_copy: Path):
    (LAB.source(course_copy).parent / "answers.py").write_text("SECRET = 42\n")
    with pytest.raises(ReleaseError, match="answers.py"):
        check_source(LAB, course_copy)


def _secret_lines(source: Path) -> list[str]:
    """Distinctive lines inside solution and hidden-test regions of a source notebook."""
    nb = nbformat.read(source, as_version=4)
    pattern = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
    outside = "\n".join(pattern.sub("", c.source) for c in nb.cells)
    lines = []
    for c in nb.cells:
        for match in pattern.finditer(c.source):
            lines += [line.strip() for line in match.group(2).splitlines() if len(line.strip()) > 20]
    return [line for line in lines if line not in outside]


def test_the_release_check_command_fails_on_a_stale_copy(course_copy: Path, monkeypatch, capsys):
    import grader.release as release_module
    from lambda_course.cli import main

    monkeypatch.setattr(release_module, "CoursePaths", lambda root=None: CoursePaths(root=root or course_copy))
    assert main(["release", "--check", LAB.id]) == 0
    LAB.released(course_copy).unlink()
    assert main(["release", "--check", LAB.id]) == 1
    out = capsys.readouterr().out
    assert f"{LAB.id}: stale" in out and f"missing {LAB.id}.ipynb" in out and "lambda-course release" in out
    assert main(["release", "--check", "no-such-lab"]) == 2
