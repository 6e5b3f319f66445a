"""Hostile programs against the jail's view and per-learner bounds, started through bubblewrap and a fork server.

Each test starts a real program in a real jail, both ways the grader does: a jail of its own through
bubblewrap, and a program forked by a class's fork server. Host files used as bait live under /var/tmp:
outside the /tmp that every jail replaces with its own, so only the jail's allow-list keeps them out of view.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_forkserver import start, wait_for_no_process_of

from grader.course import settings
from grader.trust import forkserver
from grader.trust.jail import INCIDENT_LOG, Jail, Limits, bwrap_path, course_hidden_paths
from lambda_course.labs import ROOT as REPO_ROOT

pytestmark = pytest.mark.skipif(bwrap_path() is None or os.geteuid() != 0, reason="needs bubblewrap and root")

MODES = ["bubblewrap", "fork server"]
SOLUTION = REPO_ROOT / "solutions" / "lab1-first-handler" / "lab1-first-handler.ipynb"


class Bait:
    """Host files and a listening unix socket outside any jail, in folders any user could enter."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="jail-bait-", dir="/var/tmp"))
        self.work = self.root / "work"  # the grading folder (gradebook)
        self.submissions = self.root / "submissions"  # the folder being graded
        self.mine = self.write(self.submissions / "ada" / "lab1-first-handler.ipynb")
        self.sibling = self.write(self.root / "submissions-2024" / "bob" / "lab1-first-handler.ipynb")
        self.gradebook = self.write(self.work / "gradebook.db")
        (self.root / "agent").mkdir()
        self.socket_path = self.root / "agent" / "agent.sock"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.socket_path))
        self.listener.listen(16)
        self.abstract_name = self.root.name  # an abstract unix socket: no file, reachable in its network namespace
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + self.abstract_name)
        self.abstract.listen(16)
        for folder in [self.root, *self.root.rglob("*")]:
            folder.chmod(0o777 if folder == self.socket_path else 0o755 if folder.is_dir() else 0o644)

    @staticmethod
    def write(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"answers": "someone else\'s"}')
        return path

    def hidden(self) -> list[Path]:
        """What autograde hides for a submission in this batch (see LabGrader._hidden_from)."""
        return course_hidden_paths(REPO_ROOT, self.work, self.submissions)

    def close(self) -> None:
        self.listener.close()
        self.abstract.close()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def bait() -> Iterator[Bait]:
    made = Bait()
    yield made
    made.close()


@pytest.fixture(scope="module")
def server(bait: Bait) -> Iterator[forkserver.ForkServer]:
    started = forkserver.ForkServer(bait.hidden())
    yield started
    started.stop()


@pytest.fixture(params=MODES)
def make_jail(request: pytest.FixtureRequest, bait: Bait) -> Iterator[Callable[..., Jail]]:
    """Makes a jail the way `request.param` says: bubblewrap of its own, or forked by the module's server."""
    made: list[Jail] = []

    def make(limits: Limits | None = None) -> Jail:
        if request.param == "bubblewrap":
            jail = Jail(bait.hidden(), limits, silence=())
        else:
            jail = request.getfixturevalue("server").jail_for(limits, silence=())
        made.append(jail)
        return jail

    yield make
    for jail in made:
        jail.close()


def run(jail: Jail, code: str, *args: str, timeout: float = 90) -> tuple[int, str, str]:
    """Run `code` as a module in the jail; its exit status, output and errors."""
    program = start(jail, code, *args)
    try:
        out, err = program.communicate(timeout=timeout)
    finally:
        program.kill()
    return program.returncode, out, err


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


VIEW_PROBE = """
    import json, os, socket, sys
    asked = json.loads(sys.argv[1])
    def readable(path):
        try:
            with open(path, "rb") as handle:
                handle.read(1)
            return True
        except OSError:
            return False
    def connects(path):  # a path, or an abstract name starting with "@"
        path = "\\0" + path[1:] if path.startswith("@") else path
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return True
        except OSError:
            return False
        finally:
            sock.close()
    print(json.dumps({"read": [readable(p) for p in asked["read"]],
                      "connect": [connects(p) for p in asked["sockets"]],
                      "exists": [p for p in asked["absent"] if os.path.lexists(p)],
                      "course": sorted(os.listdir(asked["course"]))}))
"""


def test_no_other_learners_work_solution_or_host_socket_is_in_view(make_jail, bait):
    asked = {"read": [str(bait.sibling), str(bait.mine), str(bait.gradebook), str(SOLUTION)],
             "sockets": [str(bait.socket_path), "@" + bait.abstract_name], "course": str(REPO_ROOT),
             "absent": [str(bait.root), "/run", "/var", "/home", "/srv", "/mnt", "/sys", "/etc/passwd",
                        "/etc/shadow", "/etc/hostname", str(REPO_ROOT / "solutions"), str(REPO_ROOT / ".git")]}
    jail = make_jail()
    code, out, err = run(jail, VIEW_PROBE, json.dumps(asked))
    assert code == 0, err
    report = last_json(out)
    assert report["read"] == [False, False, False, False], "a file outside the lab's needs was readable"
    assert report["connect"] == [False, False], "a host unix socket was reachable from the jail"
    assert report["exists"] == []
    runtime = Path(sys.prefix).resolve()  # the grader's own environment, wherever it lives, is in view too
    root = REPO_ROOT.resolve()
    inside = [runtime.relative_to(root).parts[0]] if runtime.is_relative_to(root) else []
    assert set(report["course"]) <= set(settings().visible) | set(inside)


def test_solutions_stay_out_of_view_even_when_nothing_is_listed_as_hidden():
    with Jail([], silence=()) as jail:
        code, out, err = run(jail, """
            import os, sys
            print(os.path.exists(sys.argv[1]), os.path.exists(sys.argv[2]))
        """, str(SOLUTION), str(REPO_ROOT / "lambda_course" / "checks.py"))
    assert code == 0, err
    assert out.split() == ["False", "True"]


IPC_PROBE = """
    import ctypes, json, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    libc.shmdt.argtypes = [ctypes.c_void_p]
    IPC_CREAT, key = 0o1000, int(sys.argv[2])
    if sys.argv[1] == "leave":
        segment = libc.shmget(key, 4096, IPC_CREAT | 0o666)
        address = libc.shmat(segment, None, 0)
        ctypes.memmove(address, b"ada's answers", 13)
        libc.shmdt(address)
        queue = libc.msgget(key, IPC_CREAT | 0o666)
        too_big = libc.shmget(key + 1, 256 << 20, IPC_CREAT | 0o600)
        print(json.dumps({"segment": segment, "queue": queue, "too_big": too_big}))
    else:
        segment = libc.shmget(key, 0, 0)
        found = None
        if segment >= 0:
            address = libc.shmat(segment, None, 0o10000)
            found = ctypes.string_at(address, 13).decode()
        with open("/proc/sysvipc/shm") as listing:
            listed = len(listing.read().splitlines()) - 1
        print(json.dumps({"segment": segment, "queue": libc.msgget(key, 0), "found": found, "listed": listed}))
"""


def test_system_v_ipc_left_by_one_program_is_not_seen_by_the_next(make_jail):
    key = str(random.randint(1 << 20, 1 << 30))
    first = make_jail()
    code, out, err = run(first, IPC_PROBE, "leave", key)
    first.close()
    assert code == 0, err
    left = last_json(out)
    assert left["segment"] >= 0 and left["queue"] >= 0
    code, out, err = run(make_jail(), IPC_PROBE, "look", key)
    assert code == 0, err
    assert last_json(out) == {"segment": -1, "queue": -1, "found": None, "listed": 0}
    assert left["too_big"] == -1, "a 256 MB System V segment was allowed: no cap on IPC memory"


def test_programs_of_one_server_share_no_loopback_and_see_no_other_scratch(server):
    port = str(random.randint(20_000, 60_000))
    with server.jail_for(silence=()) as first, server.jail_for(silence=()) as second:
        listening = start(first, """
            import socket, sys, time
            listener = socket.socket()
            listener.bind(("127.0.0.1", int(sys.argv[1])))
            listener.listen()
            print("ready", flush=True)
            time.sleep(60)
        """, port)
        try:
            assert listening.stdout.readline().strip() == "ready"
            code, out, err = run(second, """
                import json, os, socket, sys
                sock = socket.socket()
                sock.settimeout(5)
                reached = sock.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0
                print(json.dumps({"reached": reached, "seen": [p for p in sys.argv[2:] if os.path.lexists(p)]}))
            """, port, str(first.scratch), str(server.scratch_root / ".server"))
        finally:
            listening.kill()
            listening.wait(timeout=30)
    assert code == 0, err
    assert last_json(out) == {"reached": False, "seen": []}


DISK_HOG = """
    import json, os
    report = {"big": 0, "big_error": None, "small": 0, "small_error": None}
    try:
        for i in range(12):  # 72 MB in files of 6 MB, each under the 8 MB per-file limit
            with open(f"big{i}", "wb") as handle:
                handle.write(b"x" * (6 << 20))
            report["big"] += 1
    except OSError as error:
        report["big_error"] = error.errno
    for i in range(12):
        if os.path.exists(f"big{i}"):
            os.remove(f"big{i}")
    try:
        for i in range(2000):  # empty files: no space, only entries
            open(f"small{i}", "w").close()
            report["small"] += 1
    except OSError as error:
        report["small_error"] = error.errno
    print(json.dumps(report))
"""


def test_many_files_under_the_per_file_limit_stop_at_the_learners_total(make_jail):
    jail = make_jail(Limits(file_mb=8, scratch_mb=32, scratch_files=500))
    code, out, err = run(jail, DISK_HOG)
    assert code == 0, err
    report = last_json(out)
    assert report["big"] <= 5 and report["big_error"] == errno.ENOSPC, report
    assert report["small"] < 500 and report["small_error"] == errno.ENOSPC, report


MEMORY_HOGS = {
    "processes": """
        import subprocess, sys, time
        child = "import time; data = b'x' * (150 << 20); print('ready', flush=True); time.sleep(60)"
        children = [subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE) for _ in range(3)]
        for one in children:
            one.stdout.readline()
        print("all held", flush=True)
        time.sleep(20)
        print("survived", flush=True)
    """,
    "memfd files": """
        import os, time
        held = []
        for i in range(8):  # 480 MB in files of 60 MB (under the per-file limit), none of it mapped
            fd = os.memfd_create(f"hog{i}")
            for _ in range(6):
                os.write(fd, b"x" * (10 << 20))
            held.append(fd)
        print("all held", flush=True)
        time.sleep(20)
        print("survived", flush=True)
    """,
}


@pytest.mark.slow
@pytest.mark.parametrize("hog", list(MEMORY_HOGS))
def test_processes_together_cannot_pass_the_learners_memory_total(make_jail, hog):
    jail = make_jail(Limits(memory_mb=2048, file_mb=64, total_memory_mb=300))
    began = time.monotonic()
    code, out, err = run(jail, MEMORY_HOGS[hog], timeout=60)
    assert "survived" not in out and code != 0, f"the jail's processes held over 300 MB together: {err[-2000:]}"
    assert time.monotonic() - began < 15
    incidents = [json.loads(line) for line in (jail.control / INCIDENT_LOG).read_text().splitlines()]
    assert incidents and incidents[0]["kind"] == "memory" and "300 MB" in incidents[0]["detail"]
    assert wait_for_no_process_of(jail.uid) == []


@pytest.mark.slow
def test_an_honest_program_with_the_labs_libraries_still_runs(make_jail):
    jail = make_jail()
    code, out, err = run(jail, """
        import json, os, socket
        import boto3, ipykernel.kernelapp, matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from moto.server import ThreadedMotoServer
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="honest")
        s3.put_object(Bucket="honest", Key="k", Body=b"fine")
        plt.plot([1, 2, 3])
        plt.savefig("plot.png")
        body = s3.get_object(Bucket="honest", Key="k")["Body"].read().decode()
        server.stop()
        print(json.dumps({"body": body, "plot": os.path.getsize("plot.png") > 0,
                          "localhost": socket.gethostbyname("localhost")}))
    """, timeout=180)
    assert code == 0, err[-3000:]
    assert last_json(out) == {"body": "fine", "plot": True, "localhost": "127.0.0.1"}
