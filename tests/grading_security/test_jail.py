"""The jail on its own: what a program inside can see, reach, write and use, with and without namespaces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.trust.jail import Jail, Limits, _pids_of, bwrap_path, course_hidden_paths
from lambda_course.labs import ROOT as REPO_ROOT

PROBE = textwrap.dedent('''
    import _socket, json, os, resource
    report = {"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ)}
    def can_read(path):
        try:
            open(path, "rb").read(1)
            return True
        except OSError:
            return False
    def can_write(path):
        try:
            open(path, "w").write("x")
            return True
        except OSError:
            return False
    report["read"] = {p: can_read(p) for p in READ}
    report["write"] = {p: can_write(p) for p in WRITE}
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock.settimeout(2)
    try:
        sock.connect(("192.0.2.1", 80))
        report["net"] = "connected"
    except OSError as error:
        report["net"] = type(error).__name__
    report["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    report["as"] = resource.getrlimit(resource.RLIMIT_AS)[0]
    print(json.dumps(report))
''')

needs_bwrap = pytest.mark.skipif(bwrap_path() is None or os.geteuid() != 0, reason="needs bwrap and root")


def run_in(jail: Jail, code: str) -> subprocess.CompletedProcess:
    """Run Python `code` in the jail, capturing its output."""
    command = jail.command([sys.executable, "-c", code])
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def probe(jail: Jail, read: list[str], write: list[str]) -> dict:
    """Run PROBE in the jail and return its report."""
    code = f"READ = {read!r}\nWRITE = {write!r}\n{PROBE}"
    run = run_in(jail, code)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture
def secret_files(tmp_path: Path) -> dict[str, Path]:
    """A fake gradebook and another learner's notebook, both in folders the jail must hide."""
    work, others = tmp_path / "work", tmp_path / "submissions"
    work.mkdir()
    others.mkdir()
    (work / "gradebook.db").write_text("grades")
    (others / "ada.ipynb").write_text("{}")
    return {"work": work, "others": others}


@needs_bwrap
def test_with_namespaces_a_program_sees_only_what_the_lab_needs(secret_files, tmp_path):
    os.environ["LAMBDA_COURSE_GRADER_TOKEN"] = "do-not-pass-on"
    hidden = course_hidden_paths(REPO_ROOT, secret_files["work"], secret_files["others"])
    with Jail(hidden, Limits(processes=64, memory_mb=2048), silence=()) as jail:
        assert jail.mode == "namespaces"
        solution = REPO_ROOT / "solutions" / "lab1-first-handler" / "lab1-first-handler.ipynb"
        secrets = [solution, secret_files["work"] / "gradebook.db", secret_files["others"] / "ada.ipynb"]
        report = probe(jail, [str(p) for p in [*secrets, REPO_ROOT / "lambda_course" / "checks.py"]],
                       [str(REPO_ROOT / "pwned"), str(jail.scratch / "mine.txt"), str(tmp_path / "pwned")])
        assert (jail.scratch / "mine.txt").exists()
    os.environ.pop("LAMBDA_COURSE_GRADER_TOKEN")
    assert report["uid"] >= 1_000_000
    assert list(report["read"].values()) == [False, False, False, True]
    assert list(report["write"].values()) == [False, True, False]
    assert not (REPO_ROOT / "pwned").exists() and not (tmp_path / "pwned").exists()
    assert report["net"] != "connected"
    assert "LAMBDA_COURSE_GRADER_TOKEN" not in report["env"] and "AWS_SECRET_ACCESS_KEY" not in report["env"]
    assert (report["nproc"], report["as"]) == (64, 2048 << 20)


def test_without_namespaces_the_fallback_still_limits_and_scrubs():
    os.environ["LAMBDA_COURSE_GRADER_TOKEN"] = "do-not-pass-on"
    try:
        with Jail([], Limits(processes=64, memory_mb=2048), use_namespaces=False, silence=()) as jail:
            assert jail.mode == "limits-only"
            report = probe(jail, [], [str(jail.scratch / "mine.txt")])
    finally:
        os.environ.pop("LAMBDA_COURSE_GRADER_TOKEN")
    assert report["cwd"] == str(jail.scratch) and report["write"] == {str(jail.scratch / "mine.txt"): True}
    assert "LAMBDA_COURSE_GRADER_TOKEN" not in report["env"] and "HOME" in report["env"]
    assert report["as"] == 2048 << 20


@needs_bwrap
def test_no_process_a_jail_started_outlives_it_even_detached_ones():
    code = textwrap.dedent('''
        import os, time
        for _ in range(5):
            if os.fork() == 0:
                os.setsid()
                os.close(1)
                os.close(2)
                time.sleep(120)
                os._exit(0)
        print("forked", flush=True)
    ''')
    with Jail([], silence=()) as jail:
        run = run_in(jail, code)
        assert "forked" in run.stdout
        jail.kill()
        assert not _pids_of(jail.uid)


@needs_bwrap
def test_the_process_limit_stops_a_fork_flood_inside_the_jail():
    code = textwrap.dedent('''
        import os, time
        started = 0
        try:
            while started < 500:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                started += 1
        except OSError:
            pass
        print(started, flush=True)
    ''')
    with Jail([], Limits(processes=20), silence=()) as jail:
        run = run_in(jail, code)
        assert 0 < int(run.stdout.split()[-1]) < 20
