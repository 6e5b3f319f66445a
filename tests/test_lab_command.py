"""`lambda-course lab`: learners get a workspace of chapters and labs, opened at chapter 00 without nbgrader's
instructor tools; `--instructor` opens the repository with all of them.

The command line and the workspace are checked without a server; one test starts JupyterLab briefly on a
workspace and asks it what a learner's browser would get.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from lambda_course import cli, jupyter
from lambda_course.labs import ROOT

CHAPTER_00 = "/lab/tree/course/00-start-here.ipynb"


def fake_course(root: Path) -> Path:
    """A small copy of the course's layout: chapters, a lab, solutions and code that a learner must not see."""
    for relative, text in {"course/00-start-here.ipynb": "{}", "course/01-what-lambda-is.ipynb": "{}",
                           "course/.ipynb_checkpoints/00-start-here-checkpoint.ipynb": "{}",
                           "labs/lab1-first-handler/lab1-first-handler.ipynb": "{}",
                           "solutions/lab1-first-handler/lab1-first-handler.ipynb": "{}",
                           "lambda_course/answers/lab1.py": "", "nbgrader_config.py": ""}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def files_in(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_the_learner_command_serves_the_workspace_and_lands_on_chapter_00(tmp_path):
    launch = jupyter.lab_launch(ROOT, workspace=tmp_path / "ws", open_browser=False)
    assert f"--ServerApp.root_dir={tmp_path / 'ws'}" in launch.command
    assert f"--LabApp.default_url={CHAPTER_00}" in launch.command
    assert "--no-browser" in launch.command
    assert launch.cwd == tmp_path / "ws"
    assert launch.env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(tmp_path / "ws" / ".jupyter")


def test_the_learner_settings_come_before_a_config_path_already_set(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/etc/site-jupyter")
    searched = jupyter.lab_launch(ROOT, workspace=tmp_path).env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert searched == [str(tmp_path / ".jupyter"), "/etc/site-jupyter"]


def test_the_instructor_command_serves_the_repository_with_its_own_settings():
    launch = jupyter.lab_launch(ROOT, instructor=True)
    assert f"--ServerApp.root_dir={ROOT}" in launch.command
    assert f"--LabApp.default_url={CHAPTER_00}" in launch.command
    assert "--no-browser" not in launch.command
    assert launch.cwd == ROOT and launch.env == {}  # where nbgrader_config.py is, with every nbgrader tool


def test_the_workspace_holds_only_chapters_labs_and_the_learner_settings(tmp_path):
    root, workspace = fake_course(tmp_path / "repo"), tmp_path / "ws"
    copied = jupyter.build_workspace(root, workspace)
    settings = {".jupyter/labconfig/page_config.json", ".jupyter/jupyter_server_config.d/zz-lambda-course-learner.json"}
    assert files_in(workspace) == settings | {"course/00-start-here.ipynb", "course/01-what-lambda-is.ipynb",
                                              "labs/lab1-first-handler/lab1-first-handler.ipynb"}
    assert len(copied) == 3


def test_the_learner_settings_switch_off_and_lock_the_instructor_tools_but_keep_the_assignment_list(tmp_path):
    jupyter.build_workspace(fake_course(tmp_path / "repo"), tmp_path / "ws")
    page = json.loads((tmp_path / "ws/.jupyter/labconfig/page_config.json").read_text())
    server = json.loads((tmp_path / "ws/.jupyter/jupyter_server_config.d/zz-lambda-course-learner.json").read_text())
    plugins = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"}
    assert {name for name, off in page["disabledExtensions"].items() if off} == plugins
    assert {name for name, locked in page["lockedExtensions"].items() if locked} == plugins
    for kept in ("@jupyter/nbgrader:validate-assignment", "@jupyter/nbgrader:assignment-list"):  # a learner's tools
        assert kept not in page["disabledExtensions"], kept
    assert server["ServerApp"]["jpserver_extensions"] == {"nbgrader.server_extensions.formgrader": False,
                                                          "nbgrader.server_extensions.course_list": False}


def test_a_second_run_keeps_the_learners_edits_and_restores_only_deleted_files(tmp_path):
    root, workspace = fake_course(tmp_path / "repo"), tmp_path / "ws"
    jupyter.build_workspace(root, workspace)
    edited = workspace / "labs/lab1-first-handler/lab1-first-handler.ipynb"
    edited.write_text('{"my": "answer"}')
    (workspace / "course/01-what-lambda-is.ipynb").unlink()
    (root / "course/00-start-here.ipynb").write_text('{"new": "release"}')
    copied = jupyter.build_workspace(root, workspace)
    assert copied == [workspace / "course/01-what-lambda-is.ipynb"]
    assert edited.read_text() == '{"my": "answer"}'
    assert (workspace / "course/00-start-here.ipynb").read_text() == "{}"  # never overwritten once there


def test_without_a_chapter_00_the_server_opens_on_jupyterlab_itself(tmp_path):
    assert jupyter.landing_url(tmp_path) == "/lab"
    assert jupyter.start_page(ROOT) == "course/00-start-here.ipynb"


@pytest.mark.parametrize(("argv", "expected"), [
    (["lab"], {"instructor": False, "open_browser": True, "workspace": jupyter.WORKSPACE}),
    (["lab", "--instructor", "--no-browser"], {"instructor": True, "open_browser": False,
                                               "workspace": jupyter.WORKSPACE}),
    (["lab", "--workspace", "/tmp/mine"], {"instructor": False, "open_browser": True, "workspace": Path("/tmp/mine")}),
])
def test_the_command_line_reaches_open_course(argv, expected, monkeypatch):
    seen = {}
    monkeypatch.setattr(jupyter, "open_course", lambda **kwargs: seen.update(kwargs) or 0)
    assert cli.main(argv) == 0
    assert seen == expected


@pytest.mark.slow
@pytest.mark.xdist_group("deploy-lab-servers")
def test_a_learner_server_opens_chapter_00_without_the_instructor_tools(tmp_path):
    workspace = tmp_path / "ws"
    jupyter.build_workspace(ROOT, workspace)
    launch = jupyter.lab_launch(ROOT, workspace=workspace, open_browser=False)
    port, token = free_port(), "learner-token"
    extra = [f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}"]
    extra += [] if "--allow-root" in launch.command else ["--allow-root"]
    process = subprocess.Popen(launch.command + extra,
                               cwd=launch.cwd, env={**os.environ, **launch.env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
    try:
        for _ in range(200):
            assert process.poll() is None, f"JupyterLab exited with {process.returncode}"
            try:
                if requests.get(f"{url}/api/status", headers=auth, timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("JupyterLab did not answer within a minute")
        landing = requests.get(f"{url}/", headers=auth, allow_redirects=False, timeout=10)
        assert landing.status_code == 302 and landing.headers["Location"].startswith(CHAPTER_00)
        page = requests.get(f"{url}{CHAPTER_00}", headers=auth, timeout=10)
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page.text, re.S).group(1))
        assert "@jupyter/nbgrader:create-assignment" in config["disabledExtensions"]
        assert requests.get(f"{url}/formgrader/api/status", headers=auth, timeout=10).status_code == 404
        listing = requests.get(f"{url}/api/contents", headers=auth, timeout=10).json()["content"]
        assert sorted(item["name"] for item in listing) == ["course", "labs"]
        chapter = requests.get(f"{url}/api/contents/course/00-start-here.ipynb", headers=auth, timeout=10)
        assert chapter.ok and chapter.json()["type"] == "notebook"
    finally:
        process.terminate()
        process.wait(timeout=30)
