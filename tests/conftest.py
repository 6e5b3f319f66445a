"""Shared fixtures: one sandbox per test process, and unique names so tests never collide."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="session")
def sb():
    """The sandbox, started once for this test process."""
    from localaws import sandbox

    running = sandbox.start()
    yield running
    running.stop()


@pytest.fixture
def unique() -> str:
    """A short unique suffix for resource names."""
    return uuid.uuid4().hex[:8]
