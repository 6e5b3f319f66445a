"""Helpers for the class-deployment tests: where the files are, and a JupyterLab server to ask."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "jupyterhub"
LEARNER_JUPYTER = DEPLOY / "images" / "learner" / "jupyter"
INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list"}
LEARNER_PLUGINS = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"}
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: its base URL and token."""

    url: str
    token: str

    def get(self, path: str) -> requests.Response:
        """GET a path on the server, authenticated."""
        return requests.get(f"{self.url}/{path}", headers=self._auth(), timeout=10)

    def post(self, path: str, body: dict) -> requests.Response:
        """POST a JSON body to a path on the server, authenticated."""
        return requests.post(f"{self.url}/{path}", headers=self._auth(), json=body, timeout=10)

    def _auth(self) -> dict:
        return {"Authorization": f"token {self.token}"}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(config_dir: Path, root_dir: Path) -> tuple[subprocess.Popen, LabServer]:
    """Start JupyterLab with `config_dir` as the user's config folder, outranking the environment's."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTER_PREFER_ENV_PATH": "0"}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root_dir}"]
    process = subprocess.Popen(command, env=env, cwd=root_dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, LabServer(f"http://127.0.0.1:{port}", token)


def wait_until_up(process: subprocess.Popen, server: LabServer) -> None:
    """Block until the server answers its status API, or fail."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {process.returncode} before answering")
        try:
            if server.get("api/status").ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started here."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
