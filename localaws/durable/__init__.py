"""Lambda durable functions in the sandbox: checkpointed steps, waits on the sandbox clock, replay on re-invocation.

A function created with `DurableConfig` and a handler wrapped in the durable execution SDK's `@durable_execution`
runs through the sandbox's Lambda runtime. The service side (executions, checkpoints, timers, retries, callbacks,
history) is the in-memory model of Lambda's durable execution service that AWS publishes in
`aws-durable-execution-sdk-python-testing`, wired to the sandbox: its handler invocations go through the
runtime (`invoker`), its timers run on the sandbox's clock (`timing`), and Lambda's durable execution API is served
by moto's Lambda endpoint (`api`). Invoke on a durable function starts an execution (`front`), and so does every
other path the runtime invokes by, triggers and the asynchronous queue (`starter`, registered with
localaws.runtime.durable_hook).

Importing AWS's model takes most of a second, which a sandbox that never runs a durable function should not pay:
`install` puts only the routes and the Invoke front in place, and the model and its engine load at the first
durable function's Invoke or the first durable API call (`running_service`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from localaws import seams
from localaws.durable import sdk
from localaws.runtime import durable_hook, moto_seam

if TYPE_CHECKING:
    from localaws.durable.service import DurableService
    from localaws.runtime.environment import Outcome
    from localaws.runtime.service import LambdaRuntime

RESPONSES = "moto.awslambda.responses:LambdaResponse"
# The operations botocore's Lambda model gives the API's paths, as moto's dispatch names their methods.
OPERATIONS = ("checkpoint_durable_execution", "get_durable_execution", "get_durable_execution_state",
              "get_durable_execution_history", "list_durable_executions_by_function", "stop_durable_execution",
              "send_durable_execution_callback_success", "send_durable_execution_callback_failure",
              "send_durable_execution_callback_heartbeat")
ROUTES = (seams.DURABLE_EXECUTIONS_ROUTE, seams.DURABLE_CALLBACKS_ROUTE, seams.DURABLE_BY_FUNCTION_ROUTE)
SERVICE_MODULE = "localaws.durable.service"

_sandbox: list[tuple[LambdaRuntime, str]] = []  # the runtime and region the engine starts on, when first needed
_starting = threading.Lock()  # two first calls at once start one engine

__all__ = ["install", "install_routes", "running_service", "uninstall"]


def install(runtime: LambdaRuntime, region: str) -> None:
    """Serve durable functions in a sandbox: the SDK in its runtimes, the API's routes, Invoke's front and the
    runtime's starter (triggers and the asynchronous queue) now; the engine, fresh (no executions remain), at first
    use."""
    sdk.include_in_runtimes()
    install_routes()
    moto_seam.set_invoke_front("durable", _front)
    uninstall()
    _sandbox[:] = [(runtime, region)]
    durable_hook.set_starter(_LazyStarter())


class _LazyStarter:
    """The runtime's DurableStarter, loading AWS's model only when a durable function is first invoked."""

    def prepare(self, fn: Any, payload: bytes, name: str | None) -> Any:
        """An execution named and given its ARN, not started (localaws.durable.starter)."""
        return _starter().prepare(fn, payload, name)

    def launch(self, prepared: Any, on_end: Callable[[Outcome], None]) -> None:
        """Start a prepared execution; `on_end` gets its outcome when it ends."""
        _starter().launch(prepared, on_end)

    def run(self, fn: Any, payload: bytes) -> Outcome:
        """Start an execution and wait for its outcome."""
        return _starter().run(fn, payload)

    def abandon(self, prepared: Any, reason: str) -> None:
        """Stop a prepared execution that will never start."""
        _starter().abandon(prepared, reason)


def _starter() -> Any:
    from localaws.durable import starter  # AWS's model loads at the first durable function's invocation: start-up time

    return starter.ServiceStarter(running_service)


def install_routes() -> None:
    """Add the API's routes and operations to moto's Lambda endpoint, once per process (before it builds its URLs)."""
    from moto.awslambda.responses import LambdaResponse  # moto loads at sandbox start: start-up time

    for pattern in ROUTES:
        if not seams.is_patched(seams.LAMBDA_URLS, pattern):
            seams.add_route(seams.LAMBDA_URLS, pattern, LambdaResponse.dispatch)
    for name in OPERATIONS:
        seams.patch(f"{RESPONSES}.{name}", _operation)


def _operation(response: Any) -> tuple[int, dict[str, str], bytes]:
    """One durable API call (moto's dispatch has run IAM's check), answered by the model's own handlers."""
    from localaws.durable import api  # AWS's model loads at the first durable API call: start-up time

    return api.answer(response, running_service)


def _front(fn: Any, qualifier: str | None, invocation_type: str, payload: bytes, request_headers: Any) -> Any:
    """Invoke's front: None (run as usual) for a function that is not durable, else an execution started."""
    if not getattr(fn, "durable_config", None):
        return None
    from localaws.durable import front  # AWS's model loads at the first durable function's Invoke: start-up time

    return front.make_front(running_service)(fn, qualifier, invocation_type, payload, request_headers)


def running_service() -> DurableService:
    """The running sandbox's durable execution service, started on first use; NoDurableService when none runs."""
    from localaws.durable import service  # AWS's model loads at the first durable call: start-up time

    with _starting:
        if service.current() is None and _sandbox:
            service.start(*_sandbox[0])
    return service.running_service()


def uninstall() -> None:
    """Stop the engine, if one started (the sandbox is stopping or resetting)."""
    _sandbox.clear()
    durable_hook.set_starter(None)
    service = sys.modules.get(SERVICE_MODULE)  # an engine runs only if its module was ever loaded
    if service is not None:
        service.uninstall()
