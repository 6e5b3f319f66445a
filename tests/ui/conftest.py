"""The browser tests' fixtures: the course served by `lambda-course lab`, and headless Chromium driving it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from lambda_course.grading import COURSE_ID
from lambda_course.labs import ROOT as REPO_ROOT

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("LAMBDA_COURSE_CHROMIUM", "/usr/bin/chromium")
# The flags a root-run headless Chromium needs on a machine with no network but loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
RELEASED_LAB = "lab1-first-handler"
START_TIMEOUT_S = 90
# JupyterLab settings for a test run: never write the committed notebooks, and keep every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


@dataclass(frozen=True)
class Course:
    """The running course: where to point the browser, its token, and the lab released in its exchange."""

    url: str
    token: str
    released_lab: str = RELEASED_LAB

    def page(self, path: str) -> str:
        """A URL on the server, with the token that logs the browser in."""
        return f"{self.url}/{path}?token={self.token}"


def _browser_or_skip() -> None:
    """Skip, saying why, unless playwright and a Chromium to drive are both here."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; it drives Debian's chromium)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set LAMBDA_COURSE_CHROMIUM)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _lab_environment(home: Path, port: int, token: str) -> dict[str, str]:
    """The environment for `lambda-course lab`: fixed port and token, settings kept out of the real home."""
    config, settings, exchange = home / "config", home / "settings", home / "exchange"
    for name, chosen in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(chosen))
    config.mkdir()
    # A class's exchange with one lab released in it, as the instructor's release would leave it.
    released = exchange / COURSE_ID / "outbound" / RELEASED_LAB
    shutil.copytree(REPO_ROOT / "labs" / RELEASED_LAB, released)
    (config / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    return {**os.environ, "JUPYTER_PORT": str(port), "JUPYTER_TOKEN": token,
            "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_PREFER_ENV_PATH": "0",
            "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}


def _wait_until_up(process: subprocess.Popen, course: Course) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"lambda-course lab exited with {process.returncode}")
        try:
            if requests.get(course.page("api/status"), timeout=5).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"lambda-course lab did not answer within {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Iterator[Course]:
    """The course as the README starts it (`lambda-course lab --no-browser`), on a fixed port and token."""
    _browser_or_skip()
    port, token = _free_port(), secrets.token_hex(16)
    env = _lab_environment(tmp_path_factory.mktemp("lab-home"), port, token)
    command = [str(Path(sys.executable).parent / "lambda-course"), "lab", "--no-browser"]
    # Its own process group: the command runs JupyterLab as a child process, and JupyterLab runs the kernels.
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    running = Course(f"http://127.0.0.1:{port}", token)
    try:
        _wait_until_up(process, running)
        yield running
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the command and everything it started: SIGTERM to its group, SIGKILL if it lingers."""
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_alive(group):
        time.sleep(0.2)
    if _group_alive(group):
        os.killpg(group, signal.SIGKILL)
    if process.poll() is None:
        process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def page(course):
    """A page in headless Debian Chromium driven by playwright (which gives it a fresh, temporary profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 900})
        finally:
            browser.close()


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot under tests/ui/artifacts/ and print where it is."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path))
        print(f"screenshot: {path}")
        return path

    return take
