"""Start one program inside a submission's jail: `python -m grader.grading.trust.launch POLICY -- ARGV...`.

Run by the grader (outside the jail) with a JSON policy written by `jail.Jail`. When the jail belongs to a fork
server (see forkserver.py), the launcher asks the server to start the program and stands in for it. Otherwise,
when bubblewrap is available, it re-executes itself inside `bwrap` (new mount, pid, ipc, uts and network
namespaces; see jail.py) with `--inside`; the inside step, or the whole launch when there is no bubblewrap, then
sets the resource limits, gives the jail's files to the jail's user, drops to that user, replaces the
environment and execs ARGV.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import sys
from pathlib import Path
from typing import Any

_LIMITS = {
    "cpu_s": (resource.RLIMIT_CPU, 1),
    "memory_mb": (resource.RLIMIT_AS, 1 << 20),
    "processes": (resource.RLIMIT_NPROC, 1),
    "file_mb": (resource.RLIMIT_FSIZE, 1 << 20),
    "open_files": (resource.RLIMIT_NOFILE, 1),
}


def set_limits(limits: dict[str, int]) -> None:
    """Apply the policy's rlimits (soft = hard, so the jail cannot raise them) and forbid core dumps."""
    for name, (which, unit) in _LIMITS.items():
        if limits.get(name):
            value = int(limits[name]) * unit
            resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def give_files(policy: dict[str, Any]) -> None:
    """Hand the scratch folder (and the kernel's connection file) to the jail's user."""
    uid, gid = policy.get("uid"), policy.get("gid")
    if uid is None or os.geteuid() != 0:
        return
    for path in policy.get("owned", []):
        for root, dirs, files in os.walk(path):
            os.chown(root, uid, gid)
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, gid)
        if os.path.isfile(path):
            os.chown(path, uid, gid)


def drop_user(policy: dict[str, Any]) -> None:
    """Become the jail's own user (only when started as root and the policy names one)."""
    uid, gid = policy.get("uid"), policy.get("gid")
    if uid is None or os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def silence(fds: list[int]) -> None:
    """Send the jail's standard output or error nowhere: a flood there must not reach the grader's screen."""
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in fds:
        os.dup2(null, fd)
    os.close(null)


def prepare(policy: dict[str, Any]) -> None:
    """Everything before the program itself: limits, ownership, user, working folder, silenced streams."""
    set_limits(policy.get("limits", {}))
    give_files(policy)
    drop_user(policy)
    os.chdir(policy["scratch"])
    silence(policy.get("silence", []))
    os.umask(0o077)


def enter(policy: dict[str, Any], argv: list[str]) -> None:
    """The last step before the program: prepare, then exec it with the policy's environment."""
    prepare(policy)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Python turns it into KeyboardInterrupt again
    os.execve(argv[0], argv, policy["env"])


def relay(policy: dict[str, Any], argv: list[str]) -> None:
    """Have the jail's fork server start ARGV, then stand in for it: pass signals on, exit with its status.

    The program gets this process's standard streams. If this process is killed, the server sees its
    connection close and kills the program and everything it started. Returns only when the server cannot
    be reached, so that the program starts through bubblewrap instead.
    """
    # Signals wait until the program has started, then are passed on to it (each as a line of its own).
    passed_on = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2}
    signal.pthread_sigmask(signal.SIG_BLOCK, passed_on)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    replies = connection.makefile("rb")
    try:
        connection.connect(policy["server"])
        request = json.dumps({"policy": policy, "argv": argv}).encode() + b"\n"
        socket.send_fds(connection, [request], [_open_or_null(fd) for fd in (0, 1, 2)])
        started = json.loads(replies.readline() or b"{}").get("pid")
    except (OSError, ValueError):
        started = None
    if started is None:  # the server is gone, or went before the program started: nothing ran yet
        connection.close()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, passed_on)
        return
    for sig in passed_on:
        signal.signal(sig, lambda number, _frame: connection.sendall(b"%d\n" % number))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, passed_on)
    for line in replies:
        reply = json.loads(line)
        if "exit" in reply:
            code = int(reply["exit"])
            os._exit(code if code >= 0 else 128 - code)
    os._exit(1)  # the server went away without an answer


def _open_or_null(fd: int) -> int:
    """`fd` if it is open, else /dev/null in its place (a kernel may be started with a closed stdin)."""
    try:
        os.fstat(fd)
        return fd
    except OSError:
        return os.open(os.devnull, os.O_RDWR)


def main(args: list[str]) -> None:
    """Parse `[--inside] POLICY -- ARGV...` and start ARGV in the jail."""
    inside = args[:1] == ["--inside"]
    args = args[1:] if inside else args
    split = args.index("--")
    policy = json.loads(Path(args[0]).read_text()) if not args[0].startswith("{") else json.loads(args[0])
    argv = args[split + 1 :]
    if policy.get("server") and not inside:
        relay(policy, argv)
    if inside or not policy.get("bwrap"):
        enter(policy, argv)
    inner = [sys.executable, "-m", "grader.grading.trust.launch", "--inside", json.dumps(policy), "--", *argv]
    bwrap = [policy["bwrap"], *policy["bwrap_args"], "--", *inner]
    # A kernel is interrupted by SIGINT to its whole process group; bubblewrap would die of it (and take the
    # kernel with it), so it ignores SIGINT, and the inside step restores it for the program.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.execve(bwrap[0], bwrap, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")})


if __name__ == "__main__":
    main(sys.argv[1:])
