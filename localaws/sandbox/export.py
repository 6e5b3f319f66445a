"""A running sandbox offered across a jail's wall: its AWS API, its data plane and its controls, on unix sockets.

While a lab is graded, the sandbox runs as a program of its own in the learner's jail (service.py), the
learner's kernel reaches it as any AWS client would, and the judge, in the grader's own process, reads it the
same way. `export(sb, folder, judge_uid)` serves, in `folder`:

    aws.sock       the AWS API (relayed to the sandbox's moto server, whose admin endpoints are refused)
    data.sock      the data plane: API Gateway stages and function URLs
    control.sock   the judge's controls, one JSON request per line: wait_idle, clock, account concurrency,
                   the resource-policy switch and check, a function's package, counting secret reads;
                   answered only to a peer running as `judge_uid` (checked with SO_PEERCRED)
    learner.sock   what the notebook may ask: wait for background work, the hybrid lab's stand-in services
    sandbox.json   the ports and Region the sandbox answers on, written last: the sockets are ready

`localaws.sandbox.remote` holds the other ends: `RemoteSandbox` (the judge's) and `LearnerSandbox` (the kernel's).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localaws.sandbox.bridge import UnixToTcp

JAIL_ENV = "LAMBDA_COURSE_JAIL"  # set by whoever runs untrusted code (the course sets it in every grading jail)
FOLDER = ".sandbox"  # in the jail's home, its scratch folder, where the grader and the kernel look for it


def _counters() -> tuple[Callable[[], int], Callable[[int], dict[str, int]]]:
    """Start and stop counting secret reads by a number, for a judge in another process."""
    from localaws.secrets import calls  # imports boto3: start-up time

    running: dict[int, Any] = {}

    def begin() -> int:
        number = len(running) + 1
        running[number] = calls.start_counting()
        return number

    def end(number: int) -> dict[str, int]:
        return dict(calls.stop_counting(running.pop(int(number))))

    return begin, end


def operations(sb: Any) -> dict[str, Callable[..., Any]]:
    """The controls the judge may use, by name."""
    begin, end = _counters()
    return {
        "secret_reads_begin": begin,
        "secret_reads_end": lambda number: end(number),
        "wait_idle": lambda timeout=30.0: sb.wait_idle(float(timeout)),
        "clock_advance": lambda seconds: sb.clock.advance(float(seconds)),
        "clock_now": lambda: sb.clock.now(),
        "account_concurrency": lambda: sb.account_concurrency,
        "set_account_concurrency": lambda limit: sb.set_account_concurrency(int(limit)),
        "enforce_resource_policies": sb.enforced_resource_policies,
        "set_enforce_resource_policies": lambda value=None: sb.set_enforce_resource_policies(value),
        "invoke_allowed": lambda function_name, principal, source_arn, source_account: sb.invoke_allowed(
            str(function_name), str(principal), str(source_arn), str(source_account)),
        "function_code": lambda name: base64.b64encode(sb.function_code(str(name))).decode(),
    }


def learner_operations(sb: Any) -> dict[str, Callable[..., Any]]:
    """What the notebook itself may ask while graded: nothing that changes or reveals what the judge reads."""

    def standin(name: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        service = sb.start_standin(str(name), data if isinstance(data, dict) else None)
        return {"name": service.name, "url": service.url}

    return {
        "wait_idle": lambda timeout=30.0: sb.wait_idle(min(float(timeout), 120.0)),
        "start_standin": standin,
        "register_private_target": lambda arn, url: sb.register_private_target(str(arn), str(url)),
    }


def peer_uid(connection: socket.socket) -> int:
    """The user id of the process at the other end of a unix socket."""
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _serve_control(listener: socket.socket, ops: dict[str, Callable[..., Any]], judge_uid: int | None) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return  # closed
        if judge_uid is not None and peer_uid(connection) != judge_uid:
            connection.close()  # not the grader: learner code and handlers get no controls
            continue
        threading.Thread(target=_answer, args=(connection, ops), daemon=True).start()


def _answer(connection: socket.socket, ops: dict[str, Callable[..., Any]]) -> None:
    """Answer one connection's requests, a JSON line each, until it closes."""
    with connection, connection.makefile("rwb") as stream:
        for line in stream:
            try:
                request = json.loads(line)
                result = ops[request["op"]](**request.get("args", {}))
                reply = {"ok": result}
            except Exception as error:  # the judge gets the error as its answer (it fails the check), never a hang
                reply = {"error": f"{type(error).__name__}: {error}"}
            stream.write(json.dumps(reply, default=str).encode() + b"\n")
            stream.flush()


def _listen(path: Path, mode: int) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, mode)
    listener.listen(16)
    return listener


class Exported:
    """The sockets one sandbox is offered on; `close()` stops offering it."""

    def __init__(self, sb: Any, folder: Path, judge_uid: int | None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)
        self._bridges = [UnixToTcp(self.folder / "aws.sock", sb.port, mode=0o666),
                         UnixToTcp(self.folder / "data.sock", sb.apigateway.port, mode=0o666)]
        self._listeners = [_listen(self.folder / "control.sock", 0o666), _listen(self.folder / "learner.sock", 0o666)]
        for listener, ops, uid in ((self._listeners[0], operations(sb), judge_uid),
                                   (self._listeners[1], learner_operations(sb), None)):
            threading.Thread(target=_serve_control, args=(listener, ops, uid), daemon=True).start()
        description = {"port": sb.port, "data_port": sb.apigateway.port, "region": sb.region}
        partial = self.folder / "sandbox.json.new"
        partial.write_text(json.dumps(description))
        partial.rename(self.folder / "sandbox.json")  # whole or absent, for those who wait for it

    def close(self) -> None:
        for bridge in self._bridges:
            bridge.close()
        for listener in self._listeners:
            listener.close()


def export(sb: Any, folder: Path, judge_uid: int | None = None) -> Exported:
    """Offer `sb` on unix sockets in `folder` (see the module's docstring)."""
    return Exported(sb, folder, judge_uid)


def offered_here() -> Path | None:
    """In a grading jail whose sandbox runs as a program of its own: the folder it is offered in."""
    folder = Path(os.environ.get("HOME", "/nonexistent")) / FOLDER
    if os.environ.get(JAIL_ENV) == "1" and (folder / "sandbox.json").is_file():
        return folder
    return None
