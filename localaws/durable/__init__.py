"""Lambda durable functions in the sandbox: checkpointed steps, waits on the sandbox clock, replay on re-invocation.

A function created with `DurableConfig` and a handler wrapped in the durable execution SDK's `@durable_execution`
runs through the sandbox's Lambda runtime. The service side (executions, checkpoints, timers, retries, callbacks,
history) is the in-memory model of Lambda's durable execution service that AWS publishes in
`aws-durable-execution-sdk-python-testing`, wired to the sandbox: its handler invocations go through the
runtime (`invoker`), its timers run on the sandbox's clock (`timing`), and Lambda's durable execution API is served
by moto's Lambda endpoint (`api`). Invoke on a durable function starts an execution (`front`).
"""

from localaws.durable import api, front, sdk, service
from localaws.durable.service import DurableService, running_service, uninstall
from localaws.runtime.service import LambdaRuntime

__all__ = ["DurableService", "install", "running_service", "uninstall"]


def install(runtime: LambdaRuntime, region: str) -> DurableService:
    """Serve durable functions in a sandbox: the SDK in its runtimes, the API's routes, Invoke's front, the engine."""
    sdk.include_in_runtimes()
    api.install(running_service)
    front.install(running_service)
    return service.start(runtime, region)
