"""The one place where the sandbox's Lambda runtime is plugged into moto.

moto (without Docker) stores functions but runs no code. Every invocation path in moto ends in
`LambdaFunction.invoke` (direct invokes through `LambdaBackend.invoke`, and moto's own triggers: S3 notifications,
SQS event source mappings, SNS, DynamoDB streams, Kinesis, log subscriptions); the HTTP `Invoke` action is answered
by `LambdaResponse.invoke`, which in moto 5.2 ignores `Qualifier` and the invocation type. We replace those two
methods; we also add the provisioned-concurrency API moto lacks, keep the DeadLetterConfig and LoggingConfig moto
drops, and make GetFunction's Code.Location a link that serves the package. moto's triggers call
`LambdaFunction.invoke` synchronously; the ones AWS invokes asynchronously (S3, SNS) run inside
`asynchronous_delivery()`, which queues the event with Lambda's retries, destinations and dead-letter queue instead.
Every attribute replaced here is declared in `localaws.seams`, which checks it against the installed moto before the
sandbox starts.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from localaws import seams
from localaws.facts import value
from localaws.runtime import alias_routing, invoke_checks, logging_config, validation
from localaws.runtime.concurrency import ConcurrencyLimits
from localaws.runtime.errors import InvokeError
from localaws.runtime.logs import tail
from localaws.runtime.service import LambdaRuntime

_runtime: LambdaRuntime | None = None
_FUNCTION_INVOKE = "moto.awslambda.models:LambdaFunction.invoke"
_RESPONSE_INVOKE = "moto.awslambda.responses:LambdaResponse.invoke"
_INIT = "moto.awslambda.models:LambdaFunction.__init__"
_GET_CONFIGURATION = "moto.awslambda.models:LambdaFunction.get_configuration"
_UPDATE_CONFIGURATION = "moto.awslambda.models:LambdaFunction.update_configuration"
_asynchronous = contextvars.ContextVar("asynchronous_delivery", default=False)
# Called with (fn, qualifier, invocation type, payload, request headers) before Invoke runs a handler; an answer
# (status, headers, body) replaces the usual invocation, None lets it run (durable functions: localaws.durable).
InvokeFront = Callable[[Any, str | None, str, bytes, Any], tuple[int, dict[str, str], bytes | str] | None]
_fronts: dict[str, InvokeFront] = {}


def add_invoke_check(check: invoke_checks.Check) -> None:
    """Have `check(fn)` run before every invocation; an InvokeError it returns is the answer (idempotent).

    For what Lambda refuses before any code runs that belongs to another part of the sandbox (a function's KMS
    key, say). The runtime asks it on every path (localaws.runtime.invoke_checks), synchronous or not.
    """
    invoke_checks.add(check)


def remove_invoke_check(check: invoke_checks.Check) -> None:
    """Stop running a check that add_invoke_check added."""
    invoke_checks.remove(check)


def set_invoke_front(name: str, front: InvokeFront) -> None:
    """Have `front` see every Invoke request first, under `name` (a later call with the same name replaces it)."""
    _fronts[name] = front


def _unqualified_arn(fn: Any) -> str:
    return fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"


def _as_bytes(body: Any) -> bytes:
    if body is None or body == "":
        return b"{}"
    if isinstance(body, bytes):
        return body
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def _limit_bytes(key: str) -> int:
    return int(value(key) * 1024 * 1024)


@contextlib.contextmanager
def asynchronous_delivery() -> Iterator[None]:
    """Within it, moto's trigger deliveries are queued as asynchronous invocations, as S3's and SNS's are on AWS."""
    token = _asynchronous.set(True)
    try:
        yield
    finally:
        _asynchronous.reset(token)


def _function_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    """Replacement for LambdaFunction.invoke: what moto's triggers call. Runs the handler for real."""
    runtime = running_runtime()
    if _asynchronous.get():
        runtime.invoke_async(self, _as_bytes(body))
        return b""
    outcome = runtime.invoke(self, _as_bytes(body))
    if outcome.function_error:
        response_headers["x-amz-function-error"] = outcome.function_error
    response_headers["x-amz-log-result"] = tail(outcome.log)
    return outcome.payload


def _error(error: InvokeError) -> tuple[int, dict[str, str], str]:
    fields = {"__type": error.code, "Type": "User", "message": error.message}
    if error.reason:
        fields["Reason"] = error.reason
    body = json.dumps(fields)
    headers = {"x-amzn-ErrorType": error.code, "content-type": "application/json", "status": str(error.status)}
    return error.status, headers, body


def _response_invoke(self: Any) -> tuple[int, dict[str, str], bytes | str]:
    """Replacement for LambdaResponse.invoke: honours Qualifier and the three invocation types."""
    runtime = running_runtime()
    name = unquote(self.path.rsplit("/", 2)[-2])
    given = self._get_param("Qualifier") or self.querystring.get("Qualifier", [None])[0]
    qualifier = given or alias_routing.qualifier_of(name)  # `name:live` and `...:function:name:2` name one too
    fn = alias_routing.routed(self.backend, self.backend.get_function(name, given), qualifier)
    invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    payload = _as_bytes(self.body)
    arn = _unqualified_arn(fn) + (f":{qualifier}" if qualifier else "")
    headers = {"content-type": "application/json", "x-amz-executed-version": str(fn.version)}
    try:
        if invocation_type == "DryRun":
            return 204, {**headers, "status": "204"}, ""
        for front in list(_fronts.values()):
            answer = front(fn, qualifier, invocation_type, payload, self.headers)
            if answer is not None:
                return answer
        if invocation_type == "Event":
            if len(payload) > _limit_bytes("payload_async_mb"):
                raise InvokeError("RequestTooLargeException", "Request must be smaller than "
                                  f"{_limit_bytes('payload_async_mb')} bytes for the InvokeAsync operation", 413)
            validation.check_payload(payload)
            runtime.invoke_async(fn, payload, arn)
            return 202, {**headers, "status": "202"}, ""
        if len(payload) > _limit_bytes("payload_sync_mb"):
            raise InvokeError("RequestTooLargeException", "Request must be smaller than "
                              f"{_limit_bytes('payload_sync_mb')} bytes for the Invoke operation", 413)
        validation.check_payload(payload)
        outcome = runtime.invoke(fn, payload, arn, self.headers.get("X-Amz-Client-Context"))
    except InvokeError as error:
        return _error(error)
    result = outcome.payload
    if outcome.function_error:
        headers["x-amz-function-error"] = outcome.function_error
    if len(result) > _limit_bytes("payload_sync_mb"):
        headers["x-amz-function-error"] = "Unhandled"
        result = json.dumps({"errorType": "Function.ResponseSizeTooLarge", "errorMessage": "Response payload "
                             f"size exceeded maximum allowed payload size ({_limit_bytes('payload_sync_mb')} bytes)."
                             }).encode()
    if self.headers.get("X-Amz-Log-Type") == "Tail":
        headers["x-amz-log-result"] = tail(outcome.log)
    return 200, headers, result


class NoRuntime(RuntimeError):
    """moto was asked to run a function while no Lambda runtime is installed (no sandbox has started)."""


def running_runtime() -> LambdaRuntime:
    """The Lambda runtime that moto's invocations go to now; NoRuntime when none is installed."""
    if _runtime is None:
        raise NoRuntime("No Lambda runtime is installed: start the sandbox (localaws.sandbox.start()) first.")
    return _runtime


def install(runtime: LambdaRuntime) -> None:
    """Route moto's Lambda invocations to `runtime` (idempotent; a later call swaps the runtime)."""
    global _runtime
    patch_moto()
    _runtime = runtime


def patch_moto() -> None:
    """Replace moto's invoke methods and add the routes it lacks, once per process, before any runtime exists.

    The grading fork server calls it before it builds moto's apps, so that they already have those routes.
    """
    from localaws.runtime import account_settings, code_location  # imports moto: start-up time

    seams.verify()
    if seams.is_patched(_FUNCTION_INVOKE):
        return
    seams.patch(_FUNCTION_INVOKE, _function_invoke)
    seams.patch(_RESPONSE_INVOKE, _response_invoke)
    _add_provisioned_concurrency_api()
    _keep_configuration()
    validation.install()
    alias_routing.install()
    account_settings.install(_limits)
    code_location.install(_installed)


def _installed() -> LambdaRuntime | None:
    """The runtime installed now, or None when moto is used without one."""
    return _runtime


def _limits() -> ConcurrencyLimits:
    """The installed runtime's concurrency limits, or Lambda's defaults when moto is used without one."""
    return _runtime.limits if _runtime is not None else ConcurrencyLimits()


def _keep_configuration() -> None:
    """moto drops a function's DeadLetterConfig, its LoggingConfig and an update's KMSKeyArn; keep them, as Lambda does.

    The dead-letter queue is what failed asynchronous events go to; the KMS key is what encrypts the function's
    environment (an empty string removes it, as on AWS).
    """
    init = seams.original(_INIT)
    configuration = seams.original(_GET_CONFIGURATION)
    update = seams.original(_UPDATE_CONFIGURATION)

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        init(self, account_id, spec, *args, **kwargs)
        self.dead_letter_config = spec.get("DeadLetterConfig") or None
        self.durable_config = spec.get("DurableConfig") or None  # what makes Invoke start a durable execution
        logging_config.keep_on_create(self, spec)

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = configuration(self, *args, **kwargs)
        if getattr(self, "dead_letter_config", None):
            config["DeadLetterConfig"] = self.dead_letter_config
        if getattr(self, "durable_config", None):
            config["DurableConfig"] = self.durable_config
        logging_config.add_to(self, config)
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        logging_config.keep_on_update(self, config_updates)  # first: a refused LoggingConfig changes nothing
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = config_updates["DeadLetterConfig"] or None
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        return update(self, config_updates)

    seams.patch(_INIT, __init__)
    seams.patch(_GET_CONFIGURATION, get_configuration)
    seams.patch(_UPDATE_CONFIGURATION, update_configuration)


def _add_provisioned_concurrency_api() -> None:
    """moto has no route or methods for provisioned concurrency; add both (before moto builds its URL map)."""
    from moto.awslambda.responses import LambdaResponse  # moto loads at sandbox start: start-up time

    from localaws.runtime import provisioned  # imports moto: start-up time

    seams.add_route(seams.LAMBDA_URLS, seams.PROVISIONED_ROUTE, LambdaResponse.dispatch)
    for name, handler in provisioned.make_handlers(running_runtime).items():
        seams.patch(f"moto.awslambda.responses:LambdaResponse.{name}", handler)


def uninstall() -> None:
    """Give moto back its own invoke methods."""
    global _runtime
    seams.restore(_FUNCTION_INVOKE)
    seams.restore(_RESPONSE_INVOKE)
    _runtime = None
