"""The local AWS: a moto server on loopback whose Lambda functions really run.

    from localaws import sandbox
    sb = sandbox.start()        # once per process; calling it again returns the same sandbox
    sb.endpoint_url             # every boto3 client created from now on talks to it
    sb.reset()                  # forget every resource, stop every execution environment
    sb.wait_idle()              # wait for background invocations and SQS event source mappings to finish
    sb.clock.advance(60)        # move the sandbox's clock: retries and schedules due by then happen now
    sb.set_account_concurrency(10)  # the account's concurrency limit (1,000 by default); returns the old one
    sb.account_concurrency      # the limit now, as GetAccountSettings reports it (AccountLimit.ConcurrentExecutions)
    sb.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localaws import seams
from localaws.apigateway import DataPlane
from localaws.apigateway import urls as apigateway_urls
from localaws.eventbridge import schedules as eventbridge_schedules
from localaws.eventsources import SqsPoller
from localaws.runtime import moto_seam
from localaws.runtime.clock import Clock
from localaws.runtime.service import LambdaRuntime
from localaws.sandbox import export
from localaws.credentials import DEFAULT_REGION, point_clients_at
from localaws.sandbox.server import MotoServer

_lock = threading.Lock()
_current: Any = None  # this process's Sandbox, or the RemoteSandbox a judge reads while grading
NOWHERE = "http://127.0.0.1:9"  # where a judge's AWS calls go when the learner started no sandbox: nowhere


class Sandbox:
    """A running sandbox: moto's APIs plus a Lambda runtime that executes handlers in their own processes."""

    def __init__(self, port: int = 0, region: str = DEFAULT_REGION, offer_to: Path | None = None,
                 judge_uid: int | None = None) -> None:
        seams.verify()  # refuse, listing every mismatch, rather than run on a moto the seams do not fit
        self.workdir = Path(tempfile.mkdtemp(prefix="lambda-course-"))
        graded = os.environ.get(export.JAIL_ENV) == "1"  # learner code and handlers get no admin endpoints
        self._server = MotoServer(port, before_first_call=_install_patches_for, admin=not graded)
        self.endpoint_url = f"http://127.0.0.1:{self._server.port}"
        self.region = region
        self.clock = Clock()
        self.clock.on_tick(eventbridge_schedules.fire_due)
        self.runtime = LambdaRuntime(self.endpoint_url, self.workdir, self.clock)
        moto_seam.install(self.runtime)
        _install_service_patches()
        self.sqs_poller = SqsPoller(self.runtime)  # SQS event source mappings, see localaws.eventsources
        self.sqs_poller.start()
        point_clients_at(self.endpoint_url, region)
        self.apigateway = DataPlane(self.runtime)  # serves API Gateway and function URL requests
        self.running = True
        # While graded: offered to the kernel and the judge, from a program of its own (service.py, export.py).
        self._exported = export.export(self, offer_to, judge_uid) if offer_to is not None else None

    @property
    def port(self) -> int:
        return self._server.port

    def api_url(self, api_id: str, stage: str = "$default") -> str:
        """Base URL of a REST or HTTP API stage on the data plane; append the resource path."""
        return apigateway_urls.api_url(self.apigateway.url, api_id, stage)

    def function_url(self, function_name: str) -> str:
        """Base URL of a function's Lambda function URL on the data plane."""
        return apigateway_urls.function_url(self.apigateway.url, function_name)

    @property
    def account_concurrency(self) -> int:
        """The account's concurrency limit: what unreserved functions share after every reservation."""
        return self.runtime.limits.account_limit

    def set_account_concurrency(self, limit: int) -> int:
        """Set the account's concurrency limit, as a quota change would on AWS; returns the previous limit.

        Invocations beyond it are throttled (TooManyRequestsException); GetAccountSettings reports it, and
        PutFunctionConcurrency keeps the unreserved minimum below it.
        """
        return self.runtime.limits.set_account_limit(limit)

    def set_enforce_resource_policies(self, value: bool | None) -> None:
        """Turn the function-policy checks of triggers on or off; None puts back the default (on)."""
        if value is None:
            self.__dict__.pop("enforce_resource_policies", None)
        else:
            self.enforce_resource_policies = bool(value)

    def enforced_resource_policies(self) -> bool | None:
        """The switch as a notebook left it: None when it was never set (then the checks are on)."""
        found = self.__dict__.get("enforce_resource_policies")
        return None if found is None else bool(found)

    def invoke_allowed(self, function_name: str, principal: str, source_arn: str, source_account: str) -> bool:
        """Whether the function's policy lets a service invoke it for this source, as the triggers check it."""
        from moto.awslambda.utils import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID

        from localaws.iam.triggers import invoke_allowed

        fn = get_backend(DEFAULT_ACCOUNT_ID, self.region).get_function(function_name)
        return invoke_allowed(fn, principal, source_arn, source_account)

    def function_code(self, function_name: str) -> bytes:
        """A function's deployment package (the zip), as the sandbox stores it."""
        from moto.awslambda.utils import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID

        return bytes(get_backend(DEFAULT_ACCOUNT_ID, self.region).get_function(function_name).code_bytes or b"")

    def reset(self) -> None:
        """Forget every resource in every service and stop every execution environment."""
        from moto.backends import get_backend  # noqa: F401 - imported for its side effect of loading moto
        from moto.core.base_backend import model_data  # noqa: F401
        from moto.moto_api._internal.models import moto_api_backend

        self.sqs_poller.stop()
        self.runtime.wait_idle(timeout=10)
        self.runtime.stop_all()
        moto_api_backend.reset()
        point_clients_at(self.endpoint_url, self.region)
        self.sqs_poller.start()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait for background invocations and SQS batches to finish; False if some still ran after timeout."""
        return self.sqs_poller.wait_idle(timeout, also=self.runtime.wait_idle)

    def stop(self) -> None:
        """Stop the server and every execution environment; start() will then create a new sandbox."""
        global _current
        with _lock:
            if not self.running:
                return
            self.running = False
            if self._exported is not None:
                self._exported.close()
            self.sqs_poller.stop()
            self.apigateway.stop()
            self.clock.stop()
            self.runtime.close()
            self._server.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
            if _current is self:
                _current = None

    def __repr__(self) -> str:
        return f"<Sandbox {self.endpoint_url} {'running' if self.running else 'stopped'}>"


def _install_service_patches() -> None:
    """The patches moto can reach whatever service is called first: in place before start() returns."""
    from localaws import secrets as secrets_patch
    from localaws.eventsources import install as install_sqs_poller_seam
    from localaws.iam import seam as iam_enforcement

    install_sqs_poller_seam()
    iam_enforcement.install()
    secrets_patch.install()


def _install_patches_for(service: str) -> None:
    """The patches only one service's resources reach, installed when moto is about to answer its first call.

    EventBridge rules, IAM's simulation actions, bucket notifications and topic subscriptions all start with a
    call to their own service, so their patches (and the modules behind them) wait for it rather than slow start().
    """
    if service == "events":
        from localaws.eventbridge import delivery as eventbridge_delivery
        from localaws.eventbridge import moto_patch as eventbridge_patterns

        eventbridge_patterns.install()
        eventbridge_delivery.install()
    elif service == "iam":
        from localaws.iam import simulation as iam_simulation

        iam_simulation.install()
    elif service in ("s3", "sns"):
        from localaws.iam import triggers as iam_triggers

        iam_triggers.install()


def start(port: int | None = None, region: str = DEFAULT_REGION, offer_to: Path | None = None,
          judge_uid: int | None = None) -> Any:
    """Start the sandbox once per process and return it; later calls return the same one.

    In a notebook being graded, the sandbox already runs as a program of its own (service.py): this returns
    the notebook's view of it, which every boto3 client made afterwards talks to.
    """
    global _current
    with _lock:
        if _current is None or not _current.running:
            offered = export.offered_here() if offer_to is None else None
            if offered is not None:
                from localaws.sandbox.remote import LearnerSandbox

                _current = LearnerSandbox(offered)
            else:
                _current = Sandbox(port or 0, region, offer_to, judge_uid)
            atexit.register(_current.stop)
        return _current


def current() -> Any:
    """The running sandbox of this process (or the one a judge is reading), if any."""
    return _current if _current is not None and _current.running else None


@contextlib.contextmanager
def attached(remote: Any) -> Iterator[None]:
    """While grading: make `remote` (a RemoteSandbox, or None for no sandbox) this process's sandbox.

    `current()` and `start()` return it and boto3 clients made meanwhile call it (with None, an address where
    nothing listens); on leaving, the process's own sandbox and AWS settings come back as they were.
    """
    global _current
    import boto3

    saved_env = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}
    saved_session, previous = boto3.DEFAULT_SESSION, _current
    with _lock:
        _current = remote
    point_clients_at(remote.endpoint_url if remote is not None else NOWHERE,
                     remote.region if remote is not None else DEFAULT_REGION)
    try:
        yield
    finally:
        for key in [key for key in os.environ if key.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(saved_env)
        boto3.DEFAULT_SESSION = saved_session
        with _lock:
            _current = previous


__all__ = ["Sandbox", "attached", "current", "start"]
