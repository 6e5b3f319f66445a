"""Open the course in JupyterLab at the repository root, on the first chapter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lambda_course.labs import ROOT


def start_page(root: Path = ROOT) -> str | None:
    """The course's first chapter (course/00-...), relative to the root, if it exists."""
    pages = sorted((root / "course").glob("00*.ipynb"))
    return str(pages[0].relative_to(root)) if pages else None


def lab_command(root: Path = ROOT, open_browser: bool = True) -> list[str]:
    """The command that starts JupyterLab on the course."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}"]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers often run as root; JupyterLab refuses it unless told
    page = start_page(root)
    return command + ([page] if page else [])


def open_course(root: Path = ROOT, open_browser: bool = True) -> int:
    """Run JupyterLab in the foreground from the root (where nbgrader_config.py is found) until it stops."""
    return subprocess.call(lab_command(root, open_browser), cwd=root)
