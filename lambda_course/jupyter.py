"""Open the course in JupyterLab: learners see a workspace of chapters and labs, instructors the repository.

A learner's JupyterLab starts in `workspace/`, a folder of its own holding copies of `course/` and `labs/`, so the
solutions, the answer keys and the code are not one click away, and it opens on chapter 00 rather than on the
Launcher. nbgrader's instructor tools (the formgrader, "Create Assignment", the course list) are switched off and locked
there; the assignment list stays, since a learner in a workshop fetches and submits labs through it (with no class
exchange configured it simply lists nothing).
`lambda-course lab --instructor` opens the whole repository with every nbgrader tool, as before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lambda_course.labs import ROOT

FOLDERS = ("course", "labs")  # what a learner's workspace holds, copied from the repository
WORKSPACE = ROOT / "workspace"  # git ignores it: it holds the learner's own work
CONFIG_FOLDER = ".jupyter"  # the learner's Jupyter settings, inside the workspace (a hidden folder)
LEARNER_HIDDEN_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                          "@jupyter/nbgrader:course-list")
LEARNER_SERVER_EXTENSIONS_OFF = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")


@dataclass(frozen=True)
class Launch:
    """How to start JupyterLab: the command, the folder to run it from, and variables to add to the environment."""

    command: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)


def start_page(root: Path = ROOT) -> str | None:
    """The course's first chapter (course/00-...), relative to the root, if it exists."""
    pages = sorted((root / "course").glob("00*.ipynb"))
    return pages[0].relative_to(root).as_posix() if pages else None


def landing_url(root: Path) -> str:
    """The page JupyterLab opens on: chapter 00 when there is one, otherwise JupyterLab's own start page."""
    page = start_page(root)
    return f"/lab/tree/{page}" if page else "/lab"


def build_workspace(root: Path = ROOT, workspace: Path = WORKSPACE) -> list[Path]:
    """Copy into the workspace every chapter and lab file it lacks, and return those copied.

    A file already in the workspace is the learner's and is never overwritten, so work survives every run; to get
    the course's current version of a file, delete it from the workspace and run the command again.
    """
    copied = []
    for folder in FOLDERS:
        for source in sorted((root / folder).rglob("*")):
            relative = source.relative_to(root)
            if not source.is_file() or any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            target = workspace / relative
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied.append(target)
    write_learner_config(workspace / CONFIG_FOLDER)
    return copied


def write_learner_config(config: Path) -> None:
    """Jupyter settings that switch off and lock nbgrader's instructor tools and assignment list for a learner."""
    plugins = dict.fromkeys(LEARNER_HIDDEN_PLUGINS, True)
    page_config = {"disabledExtensions": plugins, "lockedExtensions": plugins}
    server_config = {"ServerApp": {"jpserver_extensions": dict.fromkeys(LEARNER_SERVER_EXTENSIONS_OFF, False)}}
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.d").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(page_config, indent=2) + "\n")
    (config / "jupyter_server_config.d" / "zz-lambda-course-learner.json").write_text(
        json.dumps(server_config, indent=2) + "\n")


def lab_launch(root: Path = ROOT, *, instructor: bool = False, open_browser: bool = True,
               workspace: Path = WORKSPACE) -> Launch:
    """The command that starts JupyterLab: on the learner's workspace, or with --instructor on the repository.

    The learner's settings come first on JUPYTER_CONFIG_PATH, the search path Jupyter ranks above the user's and
    the environment's own folders, so they win over nbgrader's installed defaults and leave ~/.jupyter alone.
    """
    top = root if instructor else workspace
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={top}",
               f"--LabApp.default_url={landing_url(root)}"]  # the workspace mirrors the root's layout
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers often run as root; JupyterLab refuses it unless told
    if instructor:
        return Launch(command, cwd=root)  # from the root, where nbgrader_config.py is found
    searched = [str(workspace / CONFIG_FOLDER), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])]
    return Launch(command, cwd=workspace, env={"JUPYTER_CONFIG_PATH": os.pathsep.join(searched)})


def open_course(root: Path = ROOT, *, instructor: bool = False, open_browser: bool = True,
                workspace: Path = WORKSPACE) -> int:
    """Run JupyterLab in the foreground until it stops: the learner's workspace, built first, or the repository."""
    if not instructor:
        copied = build_workspace(root, workspace)
        print(f"Your course folder is {workspace}" + (f" ({len(copied)} new files copied in)." if copied else "."))
    launch = lab_launch(root, instructor=instructor, open_browser=open_browser, workspace=workspace)
    return subprocess.call(launch.command, cwd=launch.cwd, env={**os.environ, **launch.env})
