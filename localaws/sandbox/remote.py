"""A sandbox that runs in another process, reached through the sockets `localaws.sandbox.export` serves.

`RemoteSandbox` is the judge's view while a lab is graded: AWS calls go through a local bridge to the
sandbox's moto server, requests to APIs through another to its data plane, and the controls the checks need
(wait for background work, move the clock, the resource-policy switch, a function's package) are requests on
its control socket. `LearnerSandbox` is the notebook's view of the same sandbox: the same AWS API and data
plane, and only the harmless controls. Both offer what checks and notebooks use of `Sandbox`, by its names.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from localaws.apigateway import urls
from localaws.credentials import point_clients_at
from localaws.sandbox.bridge import TcpToUnix, connect_unix
from localaws.standin import StandInAddress


class RemoteError(RuntimeError):
    """The sandbox answered a control request with an error, or could not be reached."""


class RemoteClock:
    """The remote sandbox's clock: `advance(seconds)` makes what was due by then happen now."""

    def __init__(self, remote: RemoteSandbox) -> None:
        self._remote = remote

    def advance(self, seconds: float) -> None:
        self._remote.control("clock_advance", seconds=seconds)

    def now(self) -> float:
        return float(self._remote.control("clock_now"))


class RemoteSandbox:
    """The judge's view of a sandbox exported to `folder`."""

    control_socket = "control.sock"

    def __init__(self, folder: Path, timeout: float = 120.0, expected: str | None = None,
                 region: str | None = None) -> None:
        """`expected`: the sandbox program's process identity (bridge.process_identity), taken before any
        learner code ran; every connection is then refused unless that very process serves it."""
        self.folder, self.expected = Path(folder), expected
        self.region = region or str(json.loads((self.folder / "sandbox.json").read_text())["region"])
        self._aws = TcpToUnix(self.folder / "aws.sock", expected=expected)
        self._data = TcpToUnix(self.folder / "data.sock", expected=expected)
        self._lock = threading.Lock()
        self._timeout = timeout
        self.clock = RemoteClock(self)
        self.running = True

    @property
    def port(self) -> int:
        return self._aws.port

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._aws.port}"

    @property
    def data_plane_url(self) -> str:
        return f"http://127.0.0.1:{self._data.port}"

    def control(self, op: str, **args: Any) -> Any:
        """One request on the control socket; its result, or RemoteError."""
        request = json.dumps({"op": op, "args": args}).encode() + b"\n"
        with self._lock:
            try:
                with connect_unix(self.folder / self.control_socket, self.expected) as connection:
                    connection.settimeout(self._timeout)
                    connection.sendall(request)
                    reply = json.loads(connection.makefile("rb").readline() or b"{}")
            except (OSError, ValueError) as error:
                raise RemoteError(f"the sandbox did not answer {op}: {error}") from error
        if "error" in reply or "ok" not in reply:
            raise RemoteError(f"the sandbox refused {op}: {reply.get('error', 'no answer')}")
        return reply["ok"]

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return bool(self.control("wait_idle", timeout=timeout))

    @property
    def account_concurrency(self) -> int:
        return int(self.control("account_concurrency"))

    def set_account_concurrency(self, limit: int) -> int:
        return int(self.control("set_account_concurrency", limit=limit))

    def set_enforce_resource_policies(self, value: bool | None) -> None:
        """Turn function-policy checks on or off in the sandbox; None puts back its default."""
        self.control("set_enforce_resource_policies", value=value)

    def enforced_resource_policies(self) -> bool | None:
        """The switch as the notebook left it (None: never set, so on)."""
        found = self.control("enforce_resource_policies")
        return None if found is None else bool(found)

    def invoke_allowed(self, function_name: str, principal: str, source_arn: str, source_account: str) -> bool:
        """Whether the function's policy lets a service invoke it for this source, as the sandbox checks it."""
        return bool(self.control("invoke_allowed", function_name=function_name, principal=principal,
                                 source_arn=source_arn, source_account=source_account))

    @contextlib.contextmanager
    def counting_secret_reads(self) -> Iterator[Counter]:
        """Count the sandbox's GetSecretValue calls (by secret name) and KMS decrypts while the block runs."""
        counter: Counter = Counter()
        number = self.control("secret_reads_begin")
        try:
            yield counter
        finally:
            counter.update(self.control("secret_reads_end", number=number))

    def function_code(self, name: str) -> bytes:
        """A function's deployment package, as the sandbox stores it."""
        return base64.b64decode(self.control("function_code", name=name))

    def api_url(self, api_id: str, stage: str = urls.DEFAULT_STAGE) -> str:
        """Base URL of a REST or HTTP API stage on the data plane, through this side's bridge."""
        import boto3  # boto3 loads at first use: the judge's start-up time
        from botocore.exceptions import ClientError  # botocore loads at first use: the judge's start-up time

        client = boto3.client("apigateway", endpoint_url=self.endpoint_url, region_name=self.region,
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        try:
            client.get_rest_api(restApiId=api_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NotFoundException":
                raise
            return urls.http_api_url(self.data_plane_url, api_id, stage)
        return urls.rest_api_url(self.data_plane_url, api_id, stage)

    def function_url(self, function_name: str) -> str:
        return urls.function_url(self.data_plane_url, function_name)

    def stop(self) -> None:
        self.running = False
        self._aws.close()
        self._data.close()

    def __repr__(self) -> str:
        return f"<RemoteSandbox {self.folder} {'running' if self.running else 'stopped'}>"


class _RefusedClock:
    """The clock of a graded notebook's sandbox: read by the judge, moved by nobody else."""

    def advance(self, seconds: float) -> None:
        raise PermissionError("Moving the sandbox's clock is not available while a lab is graded: the grader's "
                              "checks rely on it.")

    def now(self) -> float:
        return time.time()


class LearnerSandbox(RemoteSandbox):
    """The notebook's view of the sandbox it is graded with: boto3 points at it; the judge's controls are not here.

    Resetting is a no-op (each graded notebook gets a fresh sandbox); moving the clock or changing limits and
    switches is refused with a message, since the judge's checks rely on them.
    """

    control_socket = "learner.sock"

    def __init__(self, folder: Path, timeout: float = 120.0) -> None:
        super().__init__(folder, timeout)  # the notebook's own view: it has nothing to fear from its own code
        self.clock = _RefusedClock()  # type: ignore[assignment]  # a stand-in that refuses, not a Clock
        point_clients_at(self.endpoint_url, self.region)

    def reset(self) -> None:
        """Nothing to forget: a notebook being graded starts with a sandbox of its own, empty."""

    def _refused(self, what: str) -> NoReturn:
        raise PermissionError(f"{what} is not available while a lab is graded: the grader's checks rely on it.")

    def set_account_concurrency(self, limit: int) -> int:
        self._refused("Changing the account's concurrency limit")

    def set_enforce_resource_policies(self, value: bool | None) -> None:
        self._refused("Turning function-policy checks off")

    def start_standin(self, name: str, data: dict[str, Any] | None = None) -> StandInAddress:
        """Start one of the hybrid lab's stand-in services in the sandbox's own process."""
        started = self.control("start_standin", name=name, data=data)
        return StandInAddress(str(started["name"]), str(started["url"]))

    def register_private_target(self, arn: str, url: str) -> None:
        """Make the sandbox's data plane forward private integrations whose URI is `arn` to `url`."""
        self.control("register_private_target", arn=arn, url=url)
