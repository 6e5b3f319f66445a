"""Start one program inside a submission's jail: `python -m grader.trust.launch POLICY -- ARGV...`.

Run by the grader (outside the jail) with a JSON policy written by `jail.Jail`. When the jail belongs to a fork
server (see forkserver.py), the launcher asks the server to start the program and stands in for it. Otherwise,
when bubblewrap is available, it re-executes itself inside `bwrap` (new mount, pid, ipc, uts and network
namespaces; see jail.py) with `--inside`; the inside step, or the whole launch when there is no bubblewrap, then
sets the resource limits, gives the jail's files to the jail's user, drops to that user, replaces the
environment and execs ARGV. Inside a namespace of its own, it first caps System V shared memory and message
queues, which no rlimit bounds.

It also holds the few Linux calls the jail needs that Python 3.11 lacks (unshare, mount, umount2).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import resource
import signal
import socket
import struct
import sys
from functools import cache
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 0x2, 0x4, 0x8, 0x20, 0x1000
MS_REC, MS_SLAVE, MS_SHARED = 0x4000, 0x80000, 0x100000
MNT_DETACH = 0x2

# System V IPC in a jail's own IPC namespace: its memory is no process's, so no rlimit or watchdog sees it.
SHM_BYTES = 64 << 20
IPC_LIMITS = {"kernel/shmmax": SHM_BYTES, "kernel/shmall": SHM_BYTES // 4096, "kernel/shmmni": 64,
              "kernel/msgmni": 16}

_LIMITS = {
    "cpu_s": (resource.RLIMIT_CPU, 1),
    "memory_mb": (resource.RLIMIT_AS, 1 << 20),
    "processes": (resource.RLIMIT_NPROC, 1),
    "file_mb": (resource.RLIMIT_FSIZE, 1 << 20),
    "open_files": (resource.RLIMIT_NOFILE, 1),
}


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _checked(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def unshare(flags: int) -> None:
    """Move this process into new namespaces (os.unshare from Python 3.12 on; libc's before)."""
    if hasattr(os, "unshare"):
        os.unshare(flags)
    else:
        _checked(_libc().unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    """mount(2), for root."""
    def text(value: str | None) -> bytes | None:
        return None if value is None else os.fsencode(value)

    result = _libc().mount(text(source), text(target), text(fstype), ctypes.c_ulong(flags), text(data))
    _checked(result, f"mount {target}")


def unmount(target: str, flags: int = MNT_DETACH) -> None:
    """umount2(2), for root; detached by default, so a mount still in use goes once its last user does."""
    _checked(_libc().umount2(os.fsencode(target), ctypes.c_int(flags)), f"umount {target}")


def limit_ipc() -> None:
    """Cap System V shared memory and message queues in this process's own IPC namespace (as root).

    Best effort: where /proc/sys is read-only and cannot be made writable, the caps stay the kernel's.
    """
    try:
        _write_ipc_limits()
    except OSError as error:
        if error.errno != errno.EROFS:
            return
        try:
            mount(None, "/proc/sys", None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC)
            _write_ipc_limits()
        except OSError:
            pass


def _write_ipc_limits() -> None:
    for name, value in IPC_LIMITS.items():
        Path("/proc/sys", name).write_text(str(value))


def loopback_up() -> None:
    """Bring up `lo` in a network namespace just made (it starts down), as root."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, siocgifflags, request))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH22x", b"lo", flags | iff_up))


def set_limits(limits: dict[str, int]) -> None:
    """Apply the policy's rlimits (soft = hard, so the jail cannot raise them) and forbid core dumps."""
    for name, (which, unit) in _LIMITS.items():
        if limits.get(name):
            value = int(limits[name]) * unit
            resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _jail_ids(policy: dict[str, Any]) -> tuple[int, int] | None:
    """The jail user's uid and gid; None when there is none to become (the policy names none, or not root)."""
    uid, gid = policy.get("uid"), policy.get("gid")
    if uid is None or os.geteuid() != 0:
        return None
    if gid is None:
        raise ValueError("the jail's policy names a user (uid) but no group (gid)")
    return uid, gid


def give_files(policy: dict[str, Any]) -> None:
    """Hand the scratch folder (and the kernel's connection file) to the jail's user."""
    ids = _jail_ids(policy)
    if ids is None:
        return
    uid, gid = ids
    for path in policy.get("owned", []):
        for root, dirs, files in os.walk(path):
            os.chown(root, uid, gid)
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, gid)
        if os.path.isfile(path):
            os.chown(path, uid, gid)


def drop_user(policy: dict[str, Any]) -> None:
    """Become the jail's own user (only when started as root and the policy names one)."""
    ids = _jail_ids(policy)
    if ids is None:
        return
    uid, gid = ids
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


def enter(policy: dict[str, Any], argv: list[str], inside: bool = False) -> None:
    """The last step before the program: prepare, then exec it with the policy's environment.

    `inside` is true in bubblewrap's namespaces, where the IPC caps apply to this program's namespace alone
    (without namespaces they would be the host's).
    """
    if inside and os.geteuid() == 0:
        limit_ipc()
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
        enter(policy, argv, inside)
    inner = [sys.executable, "-m", "grader.trust.launch", "--inside", json.dumps(policy), "--", *argv]
    bwrap = [policy["bwrap"], *policy["bwrap_args"], "--", *inner]
    # A kernel is interrupted by SIGINT to its whole process group; bubblewrap would die of it (and take the
    # kernel with it), so it ignores SIGINT, and the inside step restores it for the program.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.execve(bwrap[0], bwrap, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")})


if __name__ == "__main__":
    main(sys.argv[1:])
