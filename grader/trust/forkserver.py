"""A warm start for jailed programs: one jail per class, whose server forks each kernel and sandbox program.

A kernel or a sandbox program started from nothing imports IPython, boto3 and moto again: about a second of CPU,
twice per submission, which is most of what grading a small lab costs. A fork server (zygote.py) makes those
imports once, inside a bubblewrap jail with the class's hidden paths, and forks each program from there.

Each program still gets a jail of its own (`Jail(server=...)`): its own scratch folder (a bounded tmpfs of its
own user, mounted inside the server's scratch root, its only writable place), its own user id, limits, memory
watchdog and environment, and every process of that user is killed when it ends. The server forks it into
IPC, UTS, network and mount namespaces of its own, with a fresh /tmp (zygote.py): System V objects, loopback
ports and /tmp are never shared between programs. What it shares with the class's other programs is the
server's view of the file system (jail.py's allow-list, the same for the whole class) and its pid namespace.

The server needs root (to give each program its own user) and bubblewrap; without them, or with
LAMBDA_COURSE_FORKSERVER=0 in the environment, every program starts through its own bubblewrap as before.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path

from grader.course import GradedCourse, settings
from grader.trust import jail as jails
from grader.trust.jail import Jail, Limits

START_TIMEOUT_S = 120
MAX_SERVERS = 2  # a grading process uses one class's paths at a time; tests switch between a few


class ForkServerUnavailable(RuntimeError):
    """The fork server did not start (the jail's programs then start the slow way)."""


class ForkServer:
    """A running fork server: its jail, its socket, and the folder that holds its programs' scratch folders."""

    def __init__(self, hidden: list[Path], course: GradedCourse | None = None) -> None:
        self.course = course = course or settings()
        self.jail = Jail(hidden, watch_memory=False, course=course)  # as root; each program has a watchdog
        self.scratch_root = self.jail.scratch
        self.scratch_root.chmod(0o711)  # each program's own 0700 folder in it is reachable, the list is not
        private = self.scratch_root / ".server"
        private.mkdir(mode=0o700)
        self.socket_path = private / "socket"
        self._log = (self.jail.control / "server.log").open("wb")
        command = [self.jail.bwrap or "bwrap", *self.jail.bwrap_args(), "--",
                   sys.executable, "-m", "grader.trust.zygote", str(self.socket_path), course_json(course)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=self._log, cwd=self.scratch_root, env=self.jail.environment(),
                                        start_new_session=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Read the server's `ready` line; stop it and raise if it never comes."""
        assert self.process.stdout is not None
        timer = threading.Timer(START_TIMEOUT_S, self.process.kill)
        timer.start()
        try:
            line = self.process.stdout.readline()
        finally:
            timer.cancel()
        if not line.strip().startswith(b"{"):
            self.stop()
            raise ForkServerUnavailable(f"the fork server did not start; see its log in {self.jail.control}")

    def alive(self) -> bool:
        """True while the server's process runs and listens."""
        return self.process.poll() is None and self.socket_path.exists()

    def jail_for(self, limits: Limits | None = None, silence: tuple[int, ...] = (1, 2)) -> Jail:
        """A jail of its own for one program, started by this server."""
        return Jail(self.jail.hidden, limits, silence=silence, server=self, course=self.course)

    def stop(self) -> None:
        """Stop the server and remove its jail (and with it any program's scratch folder left)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait(timeout=30)
        self._log.close()
        self.jail.close()


_servers: OrderedDict[tuple[str, ...], ForkServer] = OrderedDict()
_lock = threading.Lock()


def enabled() -> bool:
    """True when fork servers can run here: as root, with working bubblewrap, and not switched off."""
    wanted = os.environ.get("LAMBDA_COURSE_FORKSERVER", "1") != "0"
    return wanted and os.geteuid() == 0 and jails.bwrap_path() is not None


def jail(hidden: list[Path], limits: Limits | None = None, silence: tuple[int, ...] = (1, 2),
         course: GradedCourse | None = None) -> Jail:
    """A jail for one program: forked by the class's fork server when one can run, else a plain one."""
    course = course or settings()
    server = shared_server(hidden, course) if enabled() else None
    if server is None:
        return Jail(hidden, limits, silence=silence, course=course)
    return server.jail_for(limits, silence)


def course_json(course: GradedCourse) -> str:
    """The course's settings as the fork server's command line carries them."""
    return json.dumps({name: getattr(course, name) for name in course.trait_names(config=True)}, sort_keys=True)


def shared_server(hidden: list[Path], course: GradedCourse | None = None) -> ForkServer | None:
    """This process's fork server for these hidden paths and course settings, started (or restarted) when needed."""
    course = course or settings()
    key = (*sorted(str(Path(p).resolve()) for p in hidden), course_json(course))
    with _lock:
        server = _servers.pop(key, None)
        if server is not None and not server.alive():
            server.stop()
            server = None
        if server is None:
            try:
                server = ForkServer([Path(p) for p in key[:-1]], course)
            except ForkServerUnavailable:
                return None
        _servers[key] = server
        while len(_servers) > MAX_SERVERS:
            _servers.popitem(last=False)[1].stop()
        return server


@atexit.register
def stop_all() -> None:
    """Stop every fork server this process started."""
    with _lock:
        while _servers:
            _servers.popitem()[1].stop()
