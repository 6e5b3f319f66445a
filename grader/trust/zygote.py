"""The fork server's own process, run inside its jail: `python -m grader.trust.zygote SOCKET`.

It imports what kernels and the course's programs need (PRELOAD and GradedCourse.preload), then waits on a unix
socket that only the grader's user may use. For each request (a jail policy and an argv, with the launcher's
standard streams) it forks a supervisor, and the supervisor forks the program: the program's process moves into
IPC, UTS, network and mount namespaces of its own (with a fresh /tmp, loopback up and System V IPC capped), gives
the submission's scratch folder to the submission's user, drops to that user, sets the limits and runs ARGV's
module in-process, so nothing is imported again. The supervisor passes the launcher's signals on, and when the
program ends or the launcher goes away it kills every process of that user before it reports the exit status. The
server itself never runs a submission's code, and stays single-threaded so that forking it is safe.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import pkgutil
import runpy
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

from traitlets.config import Config

from grader.course import GradedCourse
from grader.trust import plaindata
from grader.trust.jail import kill_user, needed_paths
from grader.trust.launch import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWUTS,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_REC,
    MS_SLAVE,
    limit_ipc,
    loopback_up,
    mount,
    prepare,
    unshare,
)

# What any notebook's kernel imports before learner code runs; the course adds its own (GradedCourse.preload).
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.comm", "ipykernel.debugger",
    "IPython", "IPython.core.completer", "IPython.core.completerlib", "IPython.core.debugger",
    "IPython.extensions.storemagic", "jupyter_client.session", "comm", "psutil", "sqlite3",
    "tornado.gen", "tornado.queues", "pydoc", "xmlrpc.client", "grader.trust.agent", "grader.trust.plaindata",
)
_course = GradedCourse()  # the course's settings, as the grader passed them on the command line (see serve)
_SIGNALS_PASSED_ON = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                      signal.SIGUSR2, signal.SIGKILL}


def preload(course: GradedCourse) -> list[str]:
    """Import PRELOAD and the course's (`package.*`: with all its modules); what could not be imported."""
    missing = []
    for name in (*PRELOAD, *course.preload):
        try:
            module = importlib.import_module(name.removesuffix(".*"))
            if name.endswith(".*"):
                for found in pkgutil.walk_packages(module.__path__, f"{module.__name__}."):
                    importlib.import_module(found.name)
        except Exception:  # a module not preloaded is imported by the program itself: slower, not less safe
            missing.append(name)
    return missing


def serve(socket_path: str, course: GradedCourse) -> None:
    """Preload, listen, say `ready` on standard output, then fork a supervisor for each trusted request."""
    global _course
    _course = course
    plaindata.use_course(course.plain_records, course.plain_codecs)
    missing = preload(course)
    warm_up = course.hook("warm_up")  # a course's warm-up that fails stops the server: grading falls back
    if warm_up is not None:
        warm_up()
    if threading.active_count() != 1:
        raise RuntimeError("the fork server started a thread while preloading; forking it would not be safe")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    os.chmod(socket_path, 0o600)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    if missing:  # slower forks, not broken ones: say so in the server's log
        print(f"could not preload: {', '.join(missing)}", file=sys.stderr, flush=True)
    print(json.dumps({"ready": True}), flush=True)
    while True:
        connection, _ = listener.accept()
        fds: list[int] = []
        try:
            request, fds = _receive(connection) if _from_grader(connection) else (None, [])
            if request is not None and os.fork() == 0:
                listener.close()
                _supervise(connection, request, fds)
        except (OSError, ValueError):
            pass  # a broken request costs only its own connection
        finally:
            for fd in fds:
                os.close(fd)
            connection.close()


def _from_grader(connection: socket.socket) -> bool:
    """True when the peer runs as this server's user (the socket's mode already keeps others out)."""
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _receive(connection: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """One request (a JSON line) and the three standard streams sent with it."""
    data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
    while not data.endswith(b"\n"):
        more = connection.recv(1 << 16)
        if not more:
            return None, fds
        data += more
    request = json.loads(data)
    uid = request["policy"].get("uid")
    if (os.getuid() == 0 and not (isinstance(uid, int) and uid > 0)) or len(fds) != 3:
        return None, fds  # as root, a program is only ever started as a jail's own user
    return request, fds


def _supervise(connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """Fork the program, relay signals to it, clean up after it, report its exit status; never returns."""
    uid = request["policy"].get("uid")
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # this process waits for its child
        pid = os.fork()
        if pid == 0:
            connection.close()
            _become_program(request, fds)
        for fd in fds:
            os.close(fd)
        fds.clear()
        connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        status = _follow(connection, pid)
        _clean_up(uid)
        connection.sendall(json.dumps({"exit": status}).encode() + b"\n")
    except OSError:  # the launcher went away: so does everything the program started
        _clean_up(uid)
    finally:
        os._exit(0)


def _clean_up(uid: int | None) -> None:
    """Kill what the program's user still runs, as when a jail's namespaces end."""
    if uid is not None:
        kill_user(uid)


def _follow(connection: socket.socket, pid: int) -> int:
    """Pass the launcher's signals to the program until it exits; kill it if the launcher goes away."""
    pending = b""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        ready, _, _ = select.select([connection], [], [], 0.05)
        if not ready:
            continue
        data = connection.recv(4096)
        if not data:
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -signal.SIGKILL
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            if line.strip().isdigit() and int(line) in _SIGNALS_PASSED_ON:
                _signal(pid, int(line))


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _become_program(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the launcher's streams, enter the jail's user and limits, run ARGV."""
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        policy = request["policy"]
        if os.getuid() == 0:
            _own_namespaces(policy.get("scratch"))
        prepare(policy)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.clear()
        os.environ.update(policy["env"])
        tempfile.tempdir = None  # found again from the jail's TMPDIR
        _run(request["argv"])
    except BaseException:  # the program could not start or end: exit 127 here, never back in the server's loop
        traceback.print_exc()
        os._exit(127)


def _own_namespaces(scratch: str | None) -> None:
    """Move this program (still root) into IPC, UTS, network and mount namespaces of its own.

    Without them, every program of the server would share its System V shared memory and message queues, its
    loopback ports and its /tmp with the programs before and beside it. The mount namespace follows the
    server's (so the grader's unmounting of a scratch folder reaches it) but never changes it.
    """
    unshare(CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWNS)
    mount(None, "/", None, MS_REC | MS_SLAVE)
    _fresh_tmp(needed_paths(_course) + ([Path(scratch)] if scratch else []))
    loopback_up()
    limit_ipc()


def _fresh_tmp(wanted: list[Path]) -> None:
    """Cover /tmp with an empty tmpfs, then put back, at the same places, the `wanted` paths under it.

    The server's /tmp holds every program's scratch folder and its own socket's folder; the program keeps only
    its own scratch folder (and the course's files, when the course lives under /tmp).
    """
    keep: list[Path] = []
    for path in sorted(wanted, key=lambda p: len(p.parts)):
        if path.is_relative_to("/tmp") and path.exists() and not any(path.is_relative_to(k) for k in keep):
            keep.append(path)
    handles = [(path, path.is_dir(), os.open(path, os.O_PATH)) for path in keep]  # reach what /tmp will cover
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=0755")
    for path, folder, handle in handles:
        if folder:
            path.mkdir(mode=0o711, parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        mount(f"/proc/self/fd/{handle}", str(path), None, MS_BIND | MS_REC)
        os.close(handle)


def _run(argv: list[str]) -> None:
    """Run `python -m MODULE ARGS` in this process (its imports are already made); exec anything else."""
    python = shutil.which(argv[0], path=os.environ.get("PATH")) if argv else None
    if len(argv) < 3 or argv[1] != "-m" or not python or os.path.abspath(python) != os.path.abspath(sys.executable):
        os.execve(argv[0], argv, dict(os.environ))
    sys.argv = [argv[2], *argv[3:]]
    sys.path[0] = os.getcwd()  # as `python -m` would have it
    code: Any = 0
    try:
        runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code
    except BaseException:  # as `python -m` does: the program's own failure, status 1, the launcher sees it
        traceback.print_exc()
        code = 1
    _exit(code)


def _exit(code: Any) -> None:
    """End the program as the interpreter would: exit handlers, flushed streams, then the status."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    serve(sys.argv[1], GradedCourse(config=Config({"GradedCourse": json.loads(sys.argv[2])})))
