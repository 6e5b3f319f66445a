"""The fork server: programs it forks keep every guarantee of a jail of their own, and start warm."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.trust import forkserver
from grader.trust.jail import Jail, _pids_of, bwrap_path

pytestmark = [
    pytest.mark.skipif(bwrap_path() is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
    pytest.mark.xdist_group("forkserver"),
]


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("graders-only") / "gradebook.db"
    path.write_text("answers")
    return path


@pytest.fixture(scope="module")
def server(secret_file: Path) -> Iterator[forkserver.ForkServer]:
    # Its own server, not the process's shared ones: grading tests on the same worker may replace those.
    started = forkserver.ForkServer([secret_file.parent])
    assert started.alive()
    yield started
    started.stop()


def start(jail: Jail, module_code: str, *args: str, **popen: object) -> subprocess.Popen:
    """Start `module_code` as `python -m program` in the jail (a module runs in the forked process itself)."""
    (jail.scratch / "program.py").write_text(textwrap.dedent(module_code))
    command = jail.command([sys.executable, "-m", "program", *args])
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def wait_for_no_process_of(uid: int, seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _pids_of(uid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_a_forked_program_runs_warm_as_its_own_user_in_its_own_folder(server, secret_file, monkeypatch):
    monkeypatch.setenv("LAMBDA_COURSE_GRADER_TOKEN", "never-inside")
    with server.jail_for(silence=()) as jail:
        program = start(jail, f"""
            import json, os, sys
            def can_read(path):
                try:
                    return bool(open(path).read())
                except OSError:
                    return False
            print(json.dumps({{"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ),
                              "secret": can_read({str(secret_file)!r}), "warm": "moto.core.models" in sys.modules,
                              "argv": sys.argv[1:]}}))
            sys.exit(3)
        """, "one", "two")
        out, err = program.communicate(timeout=60)
    report = json.loads(out.strip().splitlines()[-1])
    assert program.returncode == 3, err
    assert report["uid"] == jail.uid != 0
    assert report["cwd"] == str(jail.scratch)
    assert report["argv"] == ["one", "two"]
    assert "LAMBDA_COURSE_GRADER_TOKEN" not in report["env"] and "HOME" in report["env"]
    assert report["secret"] is False
    assert report["warm"] is True  # imported by the server before the fork, not again by the program
    assert jail.mode == "namespaces" and jail.isolated_network


def test_signals_sent_to_the_launcher_reach_the_program(server):
    with server.jail_for(silence=()) as jail:
        program = start(jail, """
            import os, signal, sys, time
            def stop(number, frame):
                # os.write, not print: the signal may arrive while print("ready") is still flushing stdout
                os.write(1, f"interrupted {number}\\n".encode())
                sys.exit(0)
            signal.signal(signal.SIGINT, stop)
            print("ready", flush=True)
            time.sleep(60)
        """)
        assert program.stdout.readline().strip() == "ready"
        program.send_signal(signal.SIGINT)
        out, _ = program.communicate(timeout=30)
    assert out.strip() == f"interrupted {int(signal.SIGINT)}"
    assert program.returncode == 0


def test_killing_the_launcher_kills_the_program_and_all_it_started(server):
    with server.jail_for(silence=()) as jail:
        program = start(jail, """
            import subprocess, time
            subprocess.Popen(["sleep", "300"], start_new_session=True)
            print("ready", flush=True)
            time.sleep(300)
        """)
        assert program.stdout.readline().strip() == "ready"
        assert len(_pids_of(jail.uid)) >= 2
        program.kill()
        program.wait(timeout=30)
        assert wait_for_no_process_of(jail.uid) == []


def test_what_a_program_leaves_running_is_gone_when_its_launcher_exits(server):
    with server.jail_for(silence=()) as jail:
        program = start(jail, """
            import subprocess
            subprocess.Popen(["sleep", "300"], start_new_session=True)
        """)
        _, err = program.communicate(timeout=60)
        assert program.returncode == 0, err
        assert _pids_of(jail.uid) == []


def test_programs_of_one_server_share_no_folder_they_can_write(server):
    with server.jail_for(silence=()) as jail:
        program = start(jail, """
            import os
            print([path for path in ("/tmp", "/dev/shm", "/var/tmp", os.path.dirname(os.getcwd()))
                   if os.access(path, os.W_OK)])
            print(os.access(os.getcwd(), os.W_OK))
        """)
        out, err = program.communicate(timeout=60)
    assert out.split("\n")[:2] == ["[]", "True"], err


def test_only_the_graders_user_may_ask_the_server_for_a_program(server):
    child = os.fork()
    if child == 0:  # as another user, as a program in a jail would be
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            import socket

            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(str(server.socket_path))
            except PermissionError:
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "another user reached the fork server's socket"


def test_the_preload_covers_what_a_lab_imports_after_the_sandbox_starts():
    code = textwrap.dedent("""
        import json, sys
        from grader.course import settings
        from grader.trust.zygote import preload
        from localaws.sandbox import server
        course = settings()
        assert preload(course) == []
        course.hook("warm_up")()
        before, apps = set(sys.modules), dict(server._apps)
        import botocore.loaders
        parsed = []
        original = botocore.loaders.JSONFileLoader.load_file
        botocore.loaders.JSONFileLoader.load_file = lambda self, path: parsed.append(path) or original(self, path)
        from lambda_course import checks
        from localaws import sandbox
        from lambda_course.deploy import deploy_function, invoke, zip_source
        sandbox.start()
        deploy_function("warm", zip_source("def handler(event, context):\\n    return 1\\n"))
        assert invoke("warm", {}).payload == 1
        assert server._apps == apps, "a lab's first calls had to build moto apps: add them to PREBUILT_APPS"
        assert parsed == [], f"a lab's clients or moto parsed models again: {parsed}"
        print(json.dumps(sorted(set(sys.modules) - before)))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    new = json.loads(run.stdout.strip().splitlines()[-1])
    heavy = [name for name in new if name.split(".")[0] in {"moto", "grader", "localaws", "iampolicy", "lambda_course",
                                                          "boto3", "botocore", "flask"}]
    assert heavy == [], f"add these to PRELOAD in lambda_course/grading.py: {heavy}"


def test_a_server_that_died_is_replaced(secret_file):
    hidden = [secret_file.parent, secret_file.parent.parent / "replaced"]
    first = forkserver.shared_server(hidden)
    assert first is not None
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=30)
    second = forkserver.shared_server(hidden)
    assert second is not None and second is not first and second.alive()


def test_a_program_whose_server_has_gone_starts_through_bubblewrap_instead(secret_file):
    hidden = [secret_file.parent, secret_file.parent.parent / "gone"]
    server = forkserver.ForkServer(hidden)
    with server.jail_for(silence=()) as jail:
        os.killpg(server.process.pid, signal.SIGKILL)  # dies, as when the thread that started it ends
        server.process.wait(timeout=30)
        program = start(jail, f"""
            import os, sys
            print(os.getuid(), os.path.exists({str(secret_file)!r}), "moto.core.models" in sys.modules)
        """)
        out, err = program.communicate(timeout=60)
    server.stop()
    assert program.returncode == 0, err
    assert out.split() == [str(jail.uid), "False", "False"]  # jailed as before, only not warm


def test_switched_off_each_program_gets_its_own_bubblewrap(secret_file, monkeypatch):
    monkeypatch.setenv("LAMBDA_COURSE_FORKSERVER", "0")
    with forkserver.jail([secret_file.parent]) as jail:
        assert jail.server is None and jail.bwrap is not None
