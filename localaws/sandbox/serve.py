"""`lambda-course sandbox`: the sandbox as a standalone server, for the AWS CLI, other notebooks or tests."""

from __future__ import annotations

import signal
import socket
import sys
import threading
from typing import Any

from localaws import sandbox
from localaws.apigateway import urls

BUSY = 2  # the exit code when a port cannot be listened on


def serve_forever(port: int | None = None, api_port: int | None = None) -> int:
    """Run the sandbox until interrupted (Ctrl-C or SIGTERM); print both of its endpoints."""
    for flag, number in (("--port", port), ("--api-port", api_port)):
        problem = _cannot_listen(number) if number else None
        if number and problem is not None:
            print(_unavailable(flag, number, problem), file=sys.stderr, flush=True)
            return BUSY
    sb = sandbox.start(port=port, api_port=api_port)
    _print_endpoints(sb)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    sb.stop()
    print("sandbox stopped", flush=True)
    return 0


def _cannot_listen(port: int) -> OSError | None:
    """Why a server could not listen on 127.0.0.1:`port` now, or None when it could.

    Checked before starting, because the HTTP servers end the process on a busy port rather than raise.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind theirs
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            return error
    return None


def _unavailable(flag: str, port: int, error: OSError) -> str:
    """Why the sandbox cannot listen on the port it was given, and what to try instead."""
    return (f"lambda-course sandbox: could not listen on {flag} {port}: {error.strerror or error}. Another "
            "program (perhaps another sandbox) may be using it: stop that program, choose another port, or "
            f"leave out {flag} to take a free one.")


def _print_endpoints(sb: Any) -> None:
    """Where the AWS APIs answer, where HTTP APIs, REST APIs and function URLs answer, and how to use them."""
    gateway = sb.data_plane_url
    lines = [
        f"lambda-course sandbox listening on {sb.endpoint_url}",
        f"  AWS API endpoint:      {sb.endpoint_url}",
        f"  API Gateway endpoint:  {gateway}  (HTTP APIs, REST APIs and function URLs)",
        "Point clients at it with:",
        f"  export AWS_ENDPOINT_URL={sb.endpoint_url} AWS_ACCESS_KEY_ID=testing "
        f"AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={sb.region}",
        "Call your APIs and function URLs at:",
        f"  HTTP API      {urls.http_api_url(gateway, '<api-id>')}/<path>",
        f"  REST API      {urls.rest_api_url(gateway, '<api-id>', '<stage>')}/<path>",
        f"  function URL  {urls.function_url(gateway, '<function-name>')}/<path>",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
