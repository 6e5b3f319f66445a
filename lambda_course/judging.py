"""The sandbox a graded notebook uses, started as a program of its own in the learner's jail, before the kernel.

The kernel and the Lambda handlers it deploys are learner code; the sandbox whose state the judge reads must
not live in their process. It runs as `localaws.sandbox.service` in the same jail (the same user, scratch folder
and limits, so every process of the submission ends with it), offers itself on unix sockets in the jail's
scratch folder, and answers the judge's controls only to this grading process's user.

The grading engine calls `sandbox_in` (its `GradedCourse.companion`) around each graded notebook, hands the
offer it yields to the judge, and builds `SandboxJudging` (its `GradedCourse.judging`) from it: every test cell
then runs with the course's `sandbox` module pointing at the learner's sandbox, read through its sockets.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from grader.trust.jail import Jail
from lambda_course.testruns import jailing
from localaws import sandbox
from localaws.sandbox.bridge import connect_unix, peer_pid, process_identity
from localaws.sandbox.export import FOLDER
from localaws.sandbox.remote import RemoteSandbox

START_TIMEOUT_S = 120


class SandboxUnavailable(RuntimeError):
    """The graded notebook's sandbox did not start (a problem of the grader's, never the learner's)."""


def folder_of(jail: Jail) -> Path:
    """Where the jail's sandbox is offered: the folder both the kernel and the judge look in."""
    return jail.scratch / FOLDER


@dataclass(frozen=True)
class Offered:
    """Where the sandbox program is offered, and what the grader read of it before any learner code ran.

    The folder is in the jail's scratch, which learner code can write to: it could put sockets of its own
    there. `identity` (the program's process id and start time) lets the judge refuse any other server.
    """

    folder: Path
    identity: str
    region: str
    hidden: str = "[]"  # what the submission's jail hides, as a JSON list: each jailed test run hides it too

    def as_json(self) -> dict[str, str]:
        """The offer as the engine carries it to the judge: plain strings."""
        return {key: str(value) for key, value in asdict(self).items()}


@contextlib.contextmanager
def sandbox_in(jail: Jail) -> Iterator[dict[str, str]]:
    """Run the sandbox program in `jail` while the block runs; yields where and what it is, as plain strings."""
    folder = folder_of(jail)
    argv = [sys.executable, "-m", "localaws.sandbox.service", str(folder), str(os.getuid())]
    process = subprocess.Popen(jail.command(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_ready(process, folder)
        with connect_unix(folder / "control.sock") as connection:
            identity = process_identity(peer_pid(connection))
        region = str(json.loads((folder / "sandbox.json").read_text())["region"])
        yield Offered(folder, identity, region, json.dumps([str(path) for path in jail.hidden])).as_json()
    finally:
        process.kill()
        process.wait(timeout=30)


def _wait_ready(process: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (folder / "sandbox.json").is_file():
        if process.poll() is not None:
            raise SandboxUnavailable(f"the sandbox program ended (status {process.returncode}) before it was ready")
        if time.monotonic() > deadline:
            raise SandboxUnavailable(f"the sandbox program was not ready within {START_TIMEOUT_S} s")
        time.sleep(0.02)


class SandboxJudging:
    """The judge's view of one learner's sandbox: only the program the grader started, checked on each use."""

    def __init__(self, offer: dict[str, Any]) -> None:
        self.offer = offer
        self._remote: RemoteSandbox | None = None

    def _sandbox(self) -> RemoteSandbox | None:
        if self._remote is None and self.offer.get("folder") and self.offer.get("identity"):
            self._remote = RemoteSandbox(Path(self.offer["folder"]), expected=self.offer["identity"],
                                         region=self.offer.get("region", ""))
        return self._remote

    @contextlib.contextmanager
    def around_test(self) -> Iterator[None]:
        """While one test cell is judged: the course's sandbox is the learner's (or none, if none was offered), and
        a learner's pytest file runs in a fresh jail of its own (lambda_course.testruns)."""
        hidden = [Path(path) for path in json.loads(self.offer.get("hidden") or "[]")]
        with sandbox.attached(self._sandbox()), jailing.jailed(hidden):
            yield

    def close(self) -> None:
        """Stop the bridges to the learner's sandbox."""
        if self._remote is not None:
            self._remote.stop()
            self._remote = None
