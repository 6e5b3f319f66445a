"""Fixtures for the class-deployment tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from deploy_support import LEARNER_JUPYTER, LabServer, start_lab, stop, wait_until_up


@pytest.fixture(scope="module")
def lab_servers(tmp_path_factory) -> Iterator[dict[str, LabServer]]:
    """Two servers started side by side: one with the learner image's Jupyter settings, one without."""
    started = {}
    for name in ("learner", "plain"):
        config_dir = tmp_path_factory.mktemp(f"{name}-config")
        if name == "learner":
            shutil.copytree(LEARNER_JUPYTER, config_dir, dirs_exist_ok=True)
        started[name] = start_lab(config_dir, tmp_path_factory.mktemp(f"{name}-root"))
    try:
        for process, server in started.values():
            wait_until_up(process, server)
        yield {name: server for name, (_, server) in started.items()}
    finally:
        for process, _ in started.values():
            stop(process)
