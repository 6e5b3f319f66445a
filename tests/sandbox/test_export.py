"""A graded notebook's sandbox runs as a program of its own: the judge drives it, the notebook only uses it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import boto3
import pytest
import requests

from lambda_course.deploy import deploy_function, zip_source
from localaws import sandbox
from localaws.sandbox.remote import LearnerSandbox, RemoteError, RemoteSandbox

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.is_file():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def service():
    """The sandbox program as grading starts it: in the jail's home, controls for this process's user only."""
    home = Path(tempfile.mkdtemp(prefix="jail-home-"))
    home.chmod(0o755)  # as a jail's scratch is to its user: the other user below must reach the sockets
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LAMBDA_COURSE_JAIL": "1"}
    program = subprocess.Popen([sys.executable, "-m", "localaws.sandbox.service", str(home / ".sandbox"),
                                str(os.getuid())], cwd=ROOT, env=env)
    _wait_for(home / ".sandbox" / "sandbox.json")
    remote = RemoteSandbox(home / ".sandbox")
    yield remote, home
    remote.stop()
    program.terminate()
    program.wait(timeout=30)
    shutil.rmtree(home, ignore_errors=True)


def test_the_admin_endpoints_are_refused_to_everyone(service):
    remote, _ = service
    for path in ("/moto-api/reset", "/moto-api/recorder/download-recording", "/moto-api/data.json"):
        answer = requests.post(remote.endpoint_url + path, timeout=10)
        assert answer.status_code == 403 and "not available while a lab is graded" in answer.text


def test_the_judge_reads_and_drives_the_sandbox_through_its_sockets(service, unique):
    remote, _ = service
    name = f"exported-{unique}"
    with sandbox.attached(remote):
        assert sandbox.current() is remote and sandbox.start() is remote
        deploy_function(name, zip_source("def handler(event, context):\n    return {'n': event['n'] * 2}\n"))
        answer = boto3.client("lambda").invoke(FunctionName=name, Payload=b'{"n": 21}')
        assert json.loads(answer["Payload"].read()) == {"n": 42}
        assert b"def handler" in _unzipped(remote.function_code(name))
        assert remote.wait_idle(5) is True
        before = remote.clock.now()
        remote.clock.advance(120)
        assert remote.clock.now() - before >= 120
        assert remote.enforced_resource_policies() is None
        assert remote.invoke_allowed(name, "s3.amazonaws.com", "arn:aws:s3:::uploads", "123456789012") is False
        remote.set_enforce_resource_policies(False)
        assert remote.invoke_allowed(name, "s3.amazonaws.com", "arn:aws:s3:::uploads", "123456789012") is True
        remote.set_enforce_resource_policies(None)
    assert sandbox.current() is not remote


def test_a_refused_control_request_is_an_error_never_an_answer(service):
    remote, _ = service
    with pytest.raises(RemoteError, match="refused function_code"):
        remote.function_code("no-such-function")
    with pytest.raises(RemoteError, match="refused no_such_operation"):
        remote.control("no_such_operation")


NOTEBOOK_SIDE = """
import json
from localaws import sandbox
sb = sandbox.start()
found = {"kind": type(sb).__name__, "idle": sb.wait_idle(2)}
sb.reset()
for name, attempt in [("clock", lambda: sb.clock.advance(3600)), ("limit", lambda: sb.set_account_concurrency(1)),
                      ("policies", lambda: sb.set_enforce_resource_policies(False)),
                      ("control", lambda: RemoteSandbox(sb.folder).control("clock_advance", seconds=3600))]:
    try:
        attempt()
        found[name] = "allowed"
    except (PermissionError, RemoteError) as error:
        found[name] = type(error).__name__
import boto3
found["identity"] = boto3.client("sts").get_caller_identity()["Account"]
print(json.dumps(found))
"""


def test_the_notebook_uses_the_sandbox_but_cannot_drive_it(service):
    remote, home = service
    script = "from localaws.sandbox.remote import RemoteError, RemoteSandbox\n" + textwrap.dedent(NOTEBOOK_SIDE)
    done = subprocess.run(_as_other_user([sys.executable, "-c", script]), cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LAMBDA_COURSE_JAIL": "1"})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["kind"] == LearnerSandbox.__name__ and found["idle"] is True
    assert found["clock"] == found["limit"] == found["policies"] == "PermissionError"
    assert found["identity"] == "123456789012"
    if _other_user_possible():  # run as another user, as the kernel is: the judge's socket does not answer it
        assert found["control"] == "RemoteError"
    before = remote.clock.now()
    assert remote.clock.now() - before < 60  # nobody but the judge moved the clock


def _other_user_possible() -> bool:
    from grader.trust.jail import _interpreter_open_to_all

    reachable = all(folder.stat().st_mode & 0o001 for folder in [ROOT, *ROOT.parents])
    return os.getuid() == 0 and _interpreter_open_to_all() and reachable


def _as_other_user(argv: list[str]) -> list[str]:
    """`argv` run as an unprivileged user when this process is root (as a jailed kernel runs)."""
    if not _other_user_possible():
        return argv
    return [sys.executable, "-c", "import os, sys; os.setgid(65534); os.setuid(65534); os.execv(sys.argv[1], "
            "sys.argv[1:])", *argv]


def test_leaving_the_learners_sandbox_gives_the_process_its_own_back(sb):
    own = boto3.client("sts").get_caller_identity()["Account"]
    with sandbox.attached(None):
        assert sandbox.current() is None
        with pytest.raises(Exception, match="Could not connect"):
            boto3.client("sts", config=_quick()).get_caller_identity()
    assert sandbox.current() is sb and boto3.client("sts").get_caller_identity()["Account"] == own


def _quick():
    from botocore.config import Config

    return Config(connect_timeout=1, retries={"max_attempts": 0})


def _unzipped(package: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_outside_a_jail_start_runs_the_sandbox_in_process_and_offers_it_nowhere(tmp_path):
    script = textwrap.dedent("""
        import os
        from localaws import sandbox
        print(type(sandbox.start()).__name__, sorted(os.listdir(os.environ["HOME"])))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0 and done.stdout.split()[0] == "Sandbox" and ".sandbox" not in done.stdout


def test_the_judge_refuses_a_socket_someone_else_put_in_the_folder(tmp_path):
    """Learner code can write to the folder the sandbox is offered in; the judge talks only to the program."""
    import socket
    import threading

    from localaws.sandbox.bridge import process_identity

    folder = tmp_path / ".sandbox"
    folder.mkdir()
    (folder / "sandbox.json").write_text(json.dumps({"region": "us-east-1"}))
    impostor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    impostor.bind(str(folder / "control.sock"))
    impostor.listen(4)

    def answer_everything() -> None:
        connection, _ = impostor.accept()
        with contextlib.suppress(OSError):  # the judge hangs up at once: it never reads the answer
            connection.sendall(b'{"ok": true}\n')
        connection.close()

    threading.Thread(target=answer_everything, daemon=True).start()
    for name in ("aws.sock", "data.sock"):
        (folder / name).touch()
    genuine = process_identity(1)  # another process than the impostor (this one): the socket is refused
    remote = RemoteSandbox(folder, expected=genuine)
    try:
        with pytest.raises(RemoteError, match="not served by the process the grader started"):
            remote.invoke_allowed("fn", "s3.amazonaws.com", "arn:aws:s3:::b", "123456789012")
    finally:
        remote.stop()
        impostor.close()
