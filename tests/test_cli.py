"""The `lambda-course` command as a newcomer meets it: its help, and the one-minute tour."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time

import boto3
import pytest
import requests

from lambda_course.cli import build_parser


def test_every_subcommand_is_listed():
    help_text = build_parser().format_help()
    for command in ("lab", "sandbox", "tour", "release", "check", "grade"):
        assert command in help_text


@pytest.mark.slow
def test_tour_deploys_invokes_and_grades():
    run = subprocess.run([sys.executable, "-m", "lambda_course.cli", "tour"], capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    reports = [line for line in run.stdout.splitlines() if line.strip().startswith("REPORT")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[1]
    assert "reference solution with nbgrader: 10/10 points" in run.stdout


def test_readme_lists_every_lab_with_its_points():
    from lambda_course.labs import ROOT as REPO_ROOT
    from lambda_course.labs import all_labs

    readme = (REPO_ROOT / "README.md").read_text()
    for lab in all_labs().values():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{lab.id}` |")), "")
        assert row, f"README has no row for {lab.id}"
        assert row.rstrip(" |").endswith(f"| {lab.points:g}"), row


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lines_until(server: subprocess.Popen, last: str, timeout: float = 60.0) -> list[str]:
    """What the server printed up to and including the line that contains `last`."""
    printed: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [printed.put(line) for line in server.stdout or ()], daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (server.poll() is None or not printed.empty()):
        try:
            lines.append(printed.get(timeout=0.5).rstrip("\n"))
        except queue.Empty:
            continue
        if last in lines[-1]:
            return lines
    raise AssertionError(f"the sandbox never printed {last!r}; it printed {lines}")


def test_sandbox_serves_the_aws_apis_and_the_gateway_on_the_ports_given():
    """`lambda-course sandbox --port N --api-port M`: the AWS APIs on N, HTTP/REST APIs and function URLs on M."""
    port, api_port = _free_port(), _free_port()
    command = [sys.executable, "-m", "lambda_course.cli", "sandbox", "--port", str(port), "--api-port", str(api_port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        printed = "\n".join(_lines_until(server, "Press Ctrl-C"))
        assert f"AWS API endpoint:      http://127.0.0.1:{port}" in printed
        assert f"API Gateway endpoint:  http://127.0.0.1:{api_port}" in printed
        assert f"http://127.0.0.1:{api_port}/apis/<api-id>/<path>" in printed
        aws = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        assert aws.list_functions()["Functions"] == []
        gateway = requests.get(f"http://127.0.0.1:{api_port}/lambda-url/nothing-here/", timeout=10)
        assert gateway.status_code == 404 and gateway.json() == {"Message": "Not Found"}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert server.returncode == 0


def test_sandbox_on_a_busy_port_says_so_and_what_to_try():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "lambda_course.cli", "sandbox", "--api-port", str(busy)],
                             capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"could not listen on --api-port {busy}" in run.stderr
    assert "leave out --api-port" in run.stderr and "Traceback" not in run.stderr
