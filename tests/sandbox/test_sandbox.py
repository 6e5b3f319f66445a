"""The sandbox as a whole: one per process, clients pointed at it, isolation from the internet, clean exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import boto3
import pytest
import requests

from lambda_course.deploy import deploy_function, invoke
from localaws import sandbox
from localaws.credentials import point_clients_at


def test_start_is_once_per_process(sb):
    assert sandbox.start() is sb
    assert sandbox.current() is sb
    assert sb.endpoint_url.startswith("http://127.0.0.1:")


def test_clients_use_sandbox_with_dummy_credentials(sb, monkeypatch, unique):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.amazonaws.com")
    point_clients_at(sb.endpoint_url)
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_S3" not in os.environ
    s3 = boto3.client("s3")
    assert s3.meta.endpoint_url == sb.endpoint_url
    s3.create_bucket(Bucket=f"mine-{unique}")
    assert f"mine-{unique}" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_handler_cannot_reach_the_internet(sb, unique):
    name = f"offline-{unique}"
    deploy_function(name, """
import boto3, socket, time
def handler(event, context):
    out = {}
    start = time.time()
    try:
        boto3.client("s3", endpoint_url="https://s3.amazonaws.com").list_buckets()
    except Exception as error:
        out["boto3"] = f"{type(error).__name__}: {error}"
    try:
        socket.create_connection(("93.184.215.14", 80), timeout=2)
    except Exception as error:
        out["socket"] = f"{type(error).__name__}: {error}"
    out["seconds"] = time.time() - start
    return out
""", timeout=10)
    result = invoke(name).payload
    assert "no internet here: s3.amazonaws.com is outside the sandbox" in result["boto3"]
    assert "AWS_ENDPOINT_URL" in result["boto3"]
    assert "SandboxNetworkError" in result["socket"] and "93.184.215.14" in result["socket"]
    assert result["seconds"] < 5.0  # refused at once (boto3 retries a few times), no packet leaves


def test_reset_forgets_resources_and_environments(sb, unique):
    deploy_function(f"reset-{unique}", "def handler(e, c):\n    return 1\n")
    invoke(f"reset-{unique}")
    assert sb.runtime.environments(f"reset-{unique}")
    sb.reset()
    assert sb.runtime.environments() == []
    with pytest.raises(boto3.client("lambda").exceptions.ResourceNotFoundException):
        boto3.client("lambda").get_function(FunctionName=f"reset-{unique}")


def test_seam_matches_installed_moto(sb):
    """Fails loudly when moto changes the methods the sandbox patches or how its triggers reach them."""
    import inspect

    from moto.awslambda import models
    from moto.s3 import notifications

    from localaws import seams

    assert seams.problems() == []
    assert seams.is_patched("moto.awslambda.models:LambdaFunction.invoke")
    assert "func.invoke(" in inspect.getsource(notifications._invoke_awslambda)
    for trigger in ("_send_sqs_message", "send_sns_message"):
        assert ".invoke(" in inspect.getsource(getattr(models.LambdaBackend, trigger)), trigger
    for trigger in ("send_dynamodb_items", "send_kinesis_message"):  # replaced by localaws.eventsources.streams
        own = seams.original(f"moto.awslambda.models:LambdaBackend.{trigger}")
        assert ".invoke(" in inspect.getsource(own), trigger


def _run_child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("ending", ["stop", "exit", "killed"])
def test_no_stray_processes(ending):
    """Execution environments end with the sandbox: on stop(), on a normal exit, even when its process is killed."""
    child = _run_child(f"""
        import sys, time
        from localaws import sandbox
        from lambda_course.deploy import deploy_function, invoke
        sb = sandbox.start()
        deploy_function("linger", "import os\\ndef handler(e, c):\\n    return os.getpid()\\n")
        print(invoke("linger").payload, flush=True)
        sys.stdin.readline()  # wait until the test has seen the environment alive
        if "{ending}" == "stop":
            sb.stop()
            print("stopped", flush=True)
        if "{ending}" == "killed":
            time.sleep(60)
    """)
    pid = int(child.stdout.readline())
    assert _alive(pid)
    if ending == "killed":
        child.send_signal(signal.SIGKILL)
    else:
        child.stdin.write("go\n")
        child.stdin.flush()
    child.wait(timeout=30)
    assert _wait_gone(pid), f"environment process {pid} outlived the sandbox ({ending})"


def test_standalone_server_serves_other_processes(unique):
    server = subprocess.Popen([sys.executable, "-m", "lambda_course.cli", "sandbox"], stdout=subprocess.PIPE, text=True)
    try:
        endpoint = server.stdout.readline().split()[-1]
        assert endpoint.startswith("http://127.0.0.1:")
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name="us-east-1")
        s3 = session.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket=f"shared-{unique}")
        assert requests.get(f"{endpoint}/moto-api/data.json", timeout=5).ok
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [f"shared-{unique}"]
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=15)
    assert server.returncode == 0 and "sandbox stopped" in out


def test_moto_apps_are_built_once_per_process_and_again_after_a_route_is_added(monkeypatch):
    from moto.awslambda import urls

    from localaws.sandbox import server

    first = server.backend_app("awslambda")
    assert server.backend_app("awslambda") is first
    monkeypatch.setitem(urls.url_paths, "{0}/2015-03-31/lambda-course-test-route$", urls.url_paths[
        next(iter(urls.url_paths))])
    rebuilt = server.backend_app("awslambda")
    assert rebuilt is not first
    assert any("lambda-course-test-route" in rule.rule for rule in rebuilt.url_map.iter_rules())
