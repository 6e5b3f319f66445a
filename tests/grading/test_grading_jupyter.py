"""`lambda-course lab` starts JupyterLab at the course root, on the first chapter when there is one."""

from __future__ import annotations

import sys
from pathlib import Path

from lambda_course.jupyter import lab_command


def test_the_lab_opens_at_the_root_on_chapter_00(tmp_path: Path):
    (tmp_path / "course").mkdir()
    for name in ("01-what-lambda-is.ipynb", "00-start-here.ipynb"):
        (tmp_path / "course" / name).write_text("{}")
    command = lab_command(tmp_path, open_browser=False)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path}" in command and "--no-browser" in command
    assert command[-1] == "course/00-start-here.ipynb"


def test_without_chapters_the_lab_opens_on_the_file_browser(tmp_path: Path):
    command = lab_command(tmp_path)
    assert "--no-browser" not in command and not command[-1].endswith(".ipynb")
