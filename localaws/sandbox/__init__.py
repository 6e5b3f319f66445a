"""The local AWS: a moto server on loopback whose Lambda functions really run.

    from localaws import sandbox
    sb = sandbox.start()        # once per process; calling it again returns the same sandbox
    sb.endpoint_url             # every boto3 client created from now on talks to it
    sb.reset()                  # forget every resource, stop every execution environment
    sb.wait_idle()              # wait for background invocations and SQS and stream event source mappings
    sb.clock.advance(60)        # move the sandbox's clock: retries and schedules due by then happen now
    sb.wait_for_execution(arn)  # wait for a Step Functions execution to finish: status, output, error, cause
    sb.set_account_concurrency(10)  # the account's concurrency limit (1,000 by default); returns the old one
    sb.account_concurrency      # the limit now, as GetAccountSettings reports it (AccountLimit.ConcurrentExecutions)
    sb.enforce_iam = False      # role sessions unrestricted; sb.enforce_resource_policies = False: no grants needed
    sb.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localaws import apigateway, durable, seams, settings, standin, stepfunctions
from localaws.apigateway import DataPlane
from localaws.apigateway import urls as apigateway_urls
from localaws.credentials import DEFAULT_REGION, point_clients_at, scoped_environ
from localaws.eventbridge import schedules as eventbridge_schedules
from localaws.eventsources import SqsPoller
from localaws.eventsources import install as install_sqs_poller_seam
from localaws.iam import seam as iam_enforcement
from localaws.runtime import moto_seam
from localaws.runtime.clock import Clock
from localaws.runtime.service import LambdaRuntime
from localaws.sandbox import export
from localaws.sandbox.remote import LearnerSandbox, RemoteError
from localaws.sandbox.server import MotoServer
from localaws.settings import Settings
from localaws.standin import StandInAddress, StandInService

_lock = threading.Lock()
_current: Any = None  # this process's Sandbox, or the RemoteSandbox a judge reads while grading
NOWHERE = "http://127.0.0.1:9"  # where a judge's AWS calls go when the learner started no sandbox: nowhere


class Sandbox:
    """A running sandbox: moto's APIs plus a Lambda runtime that executes handlers in their own processes."""

    def __init__(self, port: int = 0, region: str = DEFAULT_REGION, offer_to: Path | None = None,
                 judge_uid: int | None = None, api_port: int = 0) -> None:
        seams.verify()  # refuse, listing every mismatch, rather than run on a moto the seams do not fit
        self.settings = Settings()  # its switches (enforce_iam, enforce_resource_policies), read by IAM's checks
        settings.install(self.settings)
        self.workdir = Path(tempfile.mkdtemp(prefix="lambda-course-"))
        graded = os.environ.get(export.JAIL_ENV) == "1"  # learner code and handlers get no admin endpoints
        self._server = MotoServer(port, before_first_call=_install_patches_for, admin=not graded)
        self.endpoint_url = f"http://127.0.0.1:{self._server.port}"
        self.region = region
        self.clock = Clock()
        self.clock.on_tick(eventbridge_schedules.fire_due)
        self.runtime = LambdaRuntime(self.endpoint_url, self.workdir, self.clock)
        moto_seam.install(self.runtime)
        durable.install(self.runtime, region)  # durable functions' executions, see localaws.durable
        _install_service_patches()
        self.sqs_poller = SqsPoller(self.runtime)  # SQS event source mappings, see localaws.eventsources
        self.sqs_poller.start()
        from localaws.eventsources import streams  # moto loads at sandbox start: start-up time

        streams.install()
        self.stream_poller = streams.StreamPoller(self.runtime)  # Kinesis and DynamoDB Streams mappings
        self.stream_poller.start()
        from localaws.cloudwatch import Monitoring  # imports moto's CloudWatch and SNS: start-up time

        self.cloudwatch = Monitoring(self.runtime, self.stream_poller)  # Lambda's metrics, embedded metrics, alarms
        self.cloudwatch.start()
        from localaws import deployments  # imports moto's Lambda and CloudWatch models: start-up time

        self.deployments = deployments.install(self.clock, self.cloudwatch.evaluate_through)  # gradual deployments
        point_clients_at(self.endpoint_url, region)
        self.apigateway = DataPlane(self.runtime, api_port)  # serves API Gateway and function URL requests
        self.running = True
        # While graded: offered to the kernel and the judge, from a program of its own (service.py, export.py).
        self._exported = export.export(self, offer_to, judge_uid) if offer_to is not None else None

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def data_plane_url(self) -> str:
        """Where HTTP APIs, REST APIs and function URLs are served (`lambda-course sandbox --api-port`)."""
        return str(self.apigateway.url)

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

    @property
    def enforce_iam(self) -> bool:
        """Whether calls signed by execution roles are authorised by the roles' policies (True unless turned off)."""
        return self.settings.enforce_iam

    @enforce_iam.setter
    def enforce_iam(self, value: bool) -> None:
        self.settings.enforce_iam = bool(value)

    @property
    def enforce_resource_policies(self) -> bool:
        """Whether triggers and function URLs need the function policy's grant (True unless turned off)."""
        return self.settings.resource_policies_enforced

    @enforce_resource_policies.setter
    def enforce_resource_policies(self, value: bool | None) -> None:
        self.set_enforce_resource_policies(value)

    def set_enforce_resource_policies(self, value: bool | None) -> None:
        """Turn the function-policy checks of triggers on or off; None puts back the default (on)."""
        self.settings.enforce_resource_policies = None if value is None else bool(value)

    def enforced_resource_policies(self) -> bool | None:
        """The switch as a notebook left it: None when it was never set (then the checks are on)."""
        return self.settings.enforce_resource_policies

    def invoke_allowed(self, function_name: str, principal: str, source_arn: str, source_account: str) -> bool:
        """Whether the function's policy lets a service invoke it for this source, as the triggers check it."""
        from moto.awslambda.utils import get_backend  # moto loads at sandbox start: start-up time
        from moto.core import DEFAULT_ACCOUNT_ID  # moto loads at sandbox start: start-up time

        from localaws.iam.function_policy import invoke_allowed  # IAM's checks load at first use: start-up time

        fn = get_backend(DEFAULT_ACCOUNT_ID, self.region).get_function(function_name)
        return invoke_allowed(fn, principal, source_arn, source_account)

    def function_code(self, function_name: str) -> bytes:
        """A function's deployment package (the zip), as the sandbox stores it; PackageUnavailable if none."""
        from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time
        from moto.awslambda.utils import get_backend  # moto loads at sandbox start: start-up time
        from moto.core import DEFAULT_ACCOUNT_ID  # moto loads at sandbox start: start-up time

        try:
            fn = get_backend(DEFAULT_ACCOUNT_ID, self.region).get_function(function_name)
        except LambdaClientError as error:  # no such function (or version)
            raise PackageUnavailable(str(error)) from None
        return bytes(fn.code_bytes or b"")

    def counting_secret_reads(self) -> contextlib.AbstractContextManager[Counter]:
        """Count GetSecretValue calls (by secret name) and KMS decrypts while the block runs."""
        from localaws.secrets import counting_secret_reads  # imports boto3: start-up time

        return counting_secret_reads()

    def start_standin(self, name: str, data: dict[str, Any] | None = None) -> StandInService:
        """Start a stand-in for a service's pods on loopback, for the data plane to forward to."""
        return standin.start_standin(name, data)

    def register_private_target(self, arn: str, url: str) -> None:
        """Make the data plane forward private integrations whose URI is `arn` (a listener's) to `url`."""
        apigateway.register_private_target(arn, url)

    def reset(self) -> None:
        """Forget every resource in every service and stop every execution environment."""
        from moto.backends import get_backend  # noqa: F401 - imported for its side effect of loading moto
        from moto.core.base_backend import model_data  # noqa: F401
        from moto.moto_api._internal.models import moto_api_backend  # moto loads at sandbox start: start-up time

        stepfunctions.stop_all()  # running Step Functions executions end (ABORTED) before their functions go
        self.sqs_poller.stop()
        self.stream_poller.stop()
        self.runtime.wait_idle(timeout=10)
        self.runtime.stop_all()
        durable.install(self.runtime, self.region)  # a fresh engine at first use: no executions remain
        self.cloudwatch.reset(moto_api_backend.reset)  # every service's state, with no metric write in between
        self.deployments.clear()
        point_clients_at(self.endpoint_url, self.region)
        self.sqs_poller.start()
        self.stream_poller.start()

    def wait_for_execution(self, execution_arn: str, timeout: float = 30.0) -> stepfunctions.ExecutionResult:
        """Wait for a Step Functions execution (Standard or Express) to finish; its status, output, error, cause."""
        return stepfunctions.wait_for_execution(execution_arn, timeout)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait for background invocations, SQS batches and stream batches; False if some still ran after timeout.

        A stream shard held by a failing record counts as busy until its retries or record age run out.
        """
        return self.sqs_poller.wait_idle(timeout, also=self._streams_and_runtime_idle)

    def _streams_and_runtime_idle(self, timeout: float) -> bool:
        """Wait (up to timeout) for stream batches and background invocations: the SQS poller's other waiter."""
        return self.stream_poller.wait_idle(timeout, also=self.runtime.wait_idle)

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
            self.stream_poller.stop()
            self.apigateway.stop()
            self.cloudwatch.stop()
            durable.uninstall()
            self.clock.stop()
            self.runtime.close()
            self._server.stop()
            settings.uninstall(self.settings)
            shutil.rmtree(self.workdir, ignore_errors=True)
            if _current is self:
                _current = None

    def __repr__(self) -> str:
        return f"<Sandbox {self.endpoint_url} {'running' if self.running else 'stopped'}>"


def _install_service_patches() -> None:
    """The patches moto can reach whatever service is called first: in place before start() returns."""
    from localaws import secrets as secrets_patch  # imports boto3: start-up time
    from localaws.iam import managed_policies  # imports moto's IAM: start-up time

    install_sqs_poller_seam()
    iam_enforcement.install()
    managed_policies.install()  # before any account's IAM exists, which every service's calls may create
    secrets_patch.install()


def _install_patches_for(service: str) -> None:
    """The patches only one service's resources reach, installed when moto is about to answer its first call.

    EventBridge rules, IAM's simulation actions, bucket notifications and topic subscriptions all start with a
    call to their own service, so their patches (and the modules behind them) wait for it rather than slow start().
    """
    if service == "events":
        from localaws.eventbridge import delivery as eventbridge_delivery  # imports moto's events: start-up time
        from localaws.eventbridge import moto_patch as eventbridge_patterns  # imports moto's events: start-up time

        eventbridge_patterns.install()
        eventbridge_delivery.install()
    elif service == "iam":
        from localaws.iam import simulation as iam_simulation  # loads at IAM's first call: start-up time

        iam_simulation.install()
    elif service in ("s3", "sns"):
        from localaws.runtime import triggers as lambda_triggers  # loads at S3's or SNS's first call: start-up time

        lambda_triggers.install()
    elif service == "stepfunctions":
        from localaws.stepfunctions import moto_patch as sfn_patch  # loads moto's interpreter: start-up time

        seams.verify_service("moto.stepfunctions")
        sfn_patch.install_for(_current)
    elif service == "codedeploy":
        from localaws.deployments import moto_patch as deployments_patch  # loads at CodeDeploy's first call

        deployments_patch.install()
    elif service == "cloudformation":
        from localaws import cloudformation  # loads cfn-lint and the SAM translator: start-up time

        seams.verify_service("moto.cloudformation")
        cloudformation.install()
        for reached in ("events", "iam", "s3", "codedeploy"):  # a stack makes rules, roles, topics, deployments
            _install_patches_for(reached)


def start(port: int | None = None, region: str = DEFAULT_REGION, offer_to: Path | None = None,
          judge_uid: int | None = None, api_port: int | None = None) -> Any:
    """Start the sandbox once per process and return it; later calls return the same one.

    `port` is where the AWS APIs listen and `api_port` where HTTP APIs, REST APIs and function URLs are served
    (each a free port when not given).

    In a notebook being graded, the sandbox already runs as a program of its own (service.py): this returns
    the notebook's view of it, which every boto3 client made afterwards talks to.
    """
    global _current
    with _lock:
        if _current is None or not _current.running:
            offered = export.offered_here() if offer_to is None else None
            if offered is not None:
                _current = LearnerSandbox(offered)
            else:
                _current = Sandbox(port or 0, region, offer_to, judge_uid, api_port or 0)
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
    import boto3  # boto3 loads at sandbox start: start-up time

    with scoped_environ(prefixes=("AWS_",)):
        saved_session, previous = boto3.DEFAULT_SESSION, _current
        with _lock:
            _current = remote
        point_clients_at(remote.endpoint_url if remote is not None else NOWHERE,
                         remote.region if remote is not None else DEFAULT_REGION)
        try:
            yield
        finally:
            boto3.DEFAULT_SESSION = saved_session
            with _lock:
                _current = previous


# What the course asks of whichever sandbox runs: this process's, or, while a lab is graded, the one running as a
# program of its own (a RemoteSandbox for the judge, a LearnerSandbox for the notebook).


class PackageUnavailable(LookupError):
    """A function's deployment package could not be read: no sandbox runs, or it has no such function."""


def function_code(function_name: str) -> bytes:
    """The running sandbox's copy of a function's deployment package (the zip); PackageUnavailable without one."""
    running = current()
    if running is None:
        raise PackageUnavailable("no sandbox is running, so the function's package cannot be read")
    try:
        return bytes(running.function_code(function_name))
    except RemoteError as error:  # the exported sandbox refused (no such function) or could not be reached
        raise PackageUnavailable(str(error)) from None


def counting_secret_reads() -> contextlib.AbstractContextManager[Counter]:
    """Count the running sandbox's GetSecretValue calls (by secret name) and KMS decrypts while the block runs."""
    running = current()
    if running is not None:
        return running.counting_secret_reads()
    from localaws.secrets import counting_secret_reads as in_this_process  # imports boto3: start-up time

    return in_this_process()


def start_standin(name: str, data: dict[str, Any] | None = None) -> StandInService | StandInAddress:
    """Start a stand-in for a service's pods where the sandbox's data plane reaches it.

    While a notebook is graded that is the sandbox's own program; otherwise this process.
    """
    running = current()
    if running is not None and hasattr(running, "start_standin"):
        return running.start_standin(name, data)
    return standin.start_standin(name, data)


def register_private_target(arn: str, url: str) -> None:
    """Make the running sandbox's data plane forward private integrations whose URI is `arn` to `url`."""
    running = current()
    if running is not None and hasattr(running, "register_private_target"):
        running.register_private_target(arn, url)
    else:
        apigateway.register_private_target(arn, url)


__all__ = ["PackageUnavailable", "Sandbox", "attached", "counting_secret_reads", "current", "function_code",
           "register_private_target", "start", "start_standin"]
