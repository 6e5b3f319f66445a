"""A jail for one submission: its own user, scratch folder, namespaces, resource limits and environment.

With bubblewrap (`bwrap`) the program runs in new mount, pid, ipc, uts and network namespaces: the file system
is read-only, with `/tmp`, the home folders, the gradebook, other submissions and `solutions/` replaced by
empty folders; the only writable place is the jail's scratch folder; the network namespace has loopback only
(the sandbox the lab starts lives in the jail too, and the kernel talks to the grader over unix sockets).
Started as root, the jail also runs as a user of its own, so RLIMIT_NPROC bounds its processes (it never
bounds root) and every process it leaves behind can be found and killed.

Without bubblewrap the fallback keeps the rest: the scratch folder, the resource limits, the jail's own user
when the Python interpreter is readable by it, a scrubbed environment and the Python-level network guard of
grader/runtime/guest/sitecustomize.py. Files that other users may read stay readable there.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import grader

GUEST_DIR = Path(grader.__file__).parent / "runtime" / "guest"
COURSE_KEEP = {"grader", ".venv", "labs", "course", "lambda_course.egg-info", "pyproject.toml", "README.md"}
_uids = itertools.count()


@dataclass(frozen=True)
class Limits:
    """What one submission may use: per-process rlimits, the whole run's wall time, and output sizes."""

    cpu_s: int = 300
    memory_mb: int = 8192  # address space: threads reserve far more than they use
    processes: int = 512  # counts threads too: the sandbox and its execution environments have many
    file_mb: int = 64
    open_files: int = 1024
    wall_s: int = 900
    cell_output_chars: int = 100_000
    total_output_chars: int = 1_000_000


@cache
def bwrap_path() -> str | None:
    """The bubblewrap binary, if it is installed and can create namespaces here."""
    found = shutil.which("bwrap")
    if not found:
        return None
    probe = [found, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--dev", "/dev", "true"]
    if os.geteuid() != 0:
        probe.insert(1, "--unshare-user")
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return found if ok else None


def course_hidden_paths(root: Path, *others: Path) -> list[Path]:
    """What a submission must not see: the course's files other than the ones a lab runs on, and `others`."""
    root = root.resolve()
    hidden = [entry for entry in sorted(root.iterdir()) if entry.name not in COURSE_KEEP]
    return hidden + [Path(other).resolve() for other in others]


class Jail:
    """One submission's jail: create it, start programs with `command(argv)`, then `close()` it."""

    def __init__(self, hidden: list[Path] | None = None, limits: Limits | None = None,
                 use_namespaces: bool = True, silence: tuple[int, ...] = (1, 2),
                 server: ForkServerAddress | None = None) -> None:
        self.limits = limits or Limits()
        self.silence = list(silence)  # standard streams of the jailed program that go to /dev/null
        self.hidden = [Path(p) for p in hidden or []]
        self.server = server  # programs are forked by this server, inside its namespaces (see forkserver.py)
        self.control = Path(tempfile.mkdtemp(prefix="lab-jail-control-"))
        self.scratch = Path(tempfile.mkdtemp(prefix="lab-jail-", dir=server.scratch_root if server else None))
        for sub in (".tmp", ".ipython", ".jupyter", ".local"):
            (self.scratch / sub).mkdir()
        self.bwrap = bwrap_path() if use_namespaces and server is None else None
        own_user = self.bwrap or server or _interpreter_open_to_all()
        self.uid = _free_uid() if os.geteuid() == 0 and own_user else None
        self.policy_file = self.control / "policy.json"
        self.policy_file.write_text(json.dumps(self.policy()))

    @property
    def mode(self) -> str:
        """`namespaces` (bubblewrap, directly or through a fork server) or `limits-only` (the fallback)."""
        return "namespaces" if self.bwrap or self.server else "limits-only"

    @property
    def isolated_network(self) -> bool:
        """True when the jail has a network namespace of its own (then kernels must use unix sockets)."""
        return self.bwrap is not None or self.server is not None

    def policy(self) -> dict:
        """What launch.py needs to start a program in this jail."""
        return {
            "scratch": str(self.scratch),
            "uid": self.uid,
            "gid": self.uid,
            "owned": [str(self.scratch)],
            "limits": asdict(self.limits),
            "env": self.environment(),
            # With a fork server, bubblewrap is kept as the way in should the server have gone since.
            "bwrap": self.bwrap or (bwrap_path() if self.server else None),
            "bwrap_args": self.bwrap_args() if self.bwrap or self.server else [],
            "server": str(self.server.socket_path) if self.server else None,
            "silence": self.silence,
        }

    def environment(self) -> dict[str, str]:
        """The whole environment of programs in the jail: no credential or setting of the grader's."""
        venv_bin = Path(sys.executable).parent
        s = self.scratch
        return {
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(s),
            "TMPDIR": str(s / ".tmp"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(GUEST_DIR),
            "LAMBDA_COURSE_GUEST": "1",
            "LAMBDA_COURSE_JAIL": "1",
            "IPYTHONDIR": str(s / ".ipython"),
            "JUPYTER_CONFIG_DIR": str(s / ".jupyter"),
            "JUPYTER_DATA_DIR": str(s / ".local"),
            "JUPYTER_RUNTIME_DIR": str(s / ".local"),
            "MPLCONFIGDIR": str(s / ".tmp"),
            "MALLOC_ARENA_MAX": "4",  # fewer malloc arenas per thread: less address space for the same work
        }

    def bwrap_args(self) -> list[str]:
        """bubblewrap's options: namespaces, a read-only root, empty folders over what must stay unseen."""
        args = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
                "--die-with-parent"]
        if os.geteuid() != 0:
            args.append("--unshare-user")
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for path in [Path("/root"), Path("/home"), *self.hidden]:
            if path.is_dir():
                args += ["--tmpfs", str(path)]
            elif path.exists():
                args += ["--ro-bind", "/dev/null", str(path)]
        for path in _needed_paths():  # the course may itself live under /tmp or a home folder
            covered = self._covered_parents(path)
            if covered is not None:
                for folder in covered:  # bubblewrap would make them private to root
                    args += ["--perms", "0755", "--dir", str(folder)]
                args += ["--ro-bind", str(path), str(path)]
        for folder in self._covered_parents(self.scratch) or []:  # a fork server's scratch root: passable only
            args += ["--perms", "0711", "--dir", str(folder)]
        return args + ["--bind", str(self.scratch), str(self.scratch)]

    def _covered_parents(self, path: Path) -> list[Path] | None:
        """The folders bubblewrap must create between the empty folder that covers `path` and `path` itself
        (None when nothing covers it)."""
        tops = [top for top in [Path("/tmp"), Path("/root"), Path("/home"), *self.hidden] if path.is_relative_to(top)]
        if not tops:
            return None
        return [p for p in reversed(path.parents) if p.is_relative_to(tops[0]) and p != tops[0]]

    def command(self, argv: list[str]) -> list[str]:
        """The command that runs `argv` in this jail."""
        return [sys.executable, "-m", "grader.grading.trust.launch", str(self.policy_file), "--", *argv]

    def kill(self) -> int:
        """Stop every process the jail's user still has (a fork bomb's too); how many were found."""
        return 0 if self.uid is None else kill_user(self.uid)

    def close(self) -> None:
        """Kill what is left in the jail and delete its folders."""
        self.kill()
        shutil.rmtree(self.scratch, ignore_errors=True)
        shutil.rmtree(self.control, ignore_errors=True)

    def __enter__(self) -> Jail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ForkServerAddress(Protocol):
    """Where a fork server listens, and the folder (seen inside its jail too) that holds its jails' scratch."""

    socket_path: Path
    scratch_root: Path


def kill_user(uid: int) -> int:
    """Stop every process of user `uid` (a fork bomb's too); how many were found."""
    found = 0
    for _ in range(50):
        pids = _pids_of(uid)
        if not pids:
            break
        found = max(found, len(pids))
        for sig in (signal.SIGSTOP, signal.SIGKILL):  # frozen first, so none can fork a replacement
            for pid in pids:
                _signal(pid, sig)
        time.sleep(0.05)
    return found


def _needed_paths() -> list[Path]:
    """Folders programs in the jail run from: the interpreter, the virtualenv and the course package."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix), Path(grader.__file__).parent}
    return sorted(paths)


def _interpreter_open_to_all() -> bool:
    """True when any user can reach the Python interpreter (needed to drop to a user without bubblewrap)."""
    path = Path(sys.executable).resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [path.parent, *path.parents])


def _free_uid() -> int:
    """A user id no process has, in a block that depends on this process, so parallel graders never share."""
    base = 1_000_000 + (os.getpid() % 10_000) * 100
    for _ in range(100):
        uid = base + next(_uids) % 100
        if not _pids_of(uid):
            return uid
    raise RuntimeError("no free user id for a grading jail")


def _pids_of(uid: int) -> list[int]:
    """Processes whose real user id is `uid`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            line = next((ln for ln in status.splitlines() if ln.startswith("Uid:")), "")
            if line.split()[1:2] == [str(uid)]:
                pids.append(int(entry.name))
    return pids


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
