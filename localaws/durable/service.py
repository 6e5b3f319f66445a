"""The durable execution service of one sandbox: AWS's in-memory model of it, run on the sandbox's runtime and clock.

`aws-durable-execution-sdk-python-testing` models the service: executions and their operations, checkpoint
validation, the timers that end waits and schedule step retries, callbacks, history, and re-invoking the handler
until it returns SUCCEEDED or FAILED. The sandbox reuses that engine as it is and gives it four parts of its own:
the runtime invoker (handlers run in real execution environments), the chained-invoke dispatcher (a
`context.invoke` target is a function of the sandbox's Lambda), the sandbox clock (timers move with
`sb.clock.advance`), and moto's Lambda endpoint for the API (localaws.durable.api).
"""

from __future__ import annotations

from aws_durable_execution_sdk_python_testing.checkpoint.processor import CheckpointProcessor
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
from aws_durable_execution_sdk_python_testing.worker.registry import ExecutionRegistry

from localaws import seams
from localaws.durable.dispatcher import SandboxChildDispatcher
from localaws.durable.engine import SandboxExecutor
from localaws.durable.invoker import FailedInvocations, RuntimeInvoker
from localaws.durable.timing import ClockScheduler, EngineClock
from localaws.facts import value
from localaws.runtime.service import LambdaRuntime


class NoDurableService(RuntimeError):
    """A durable execution API was called while no sandbox runs one."""


class DurableService:
    """The engine for one sandbox: executions, checkpoints and timers, invoking through its runtime."""

    def __init__(self, runtime: LambdaRuntime, region: str) -> None:
        clock = EngineClock(runtime.clock)
        self.scheduler = ClockScheduler(runtime.clock)
        self.store = InMemoryExecutionStore()
        registry = ExecutionRegistry(self.store, self.scheduler)
        processor = CheckpointProcessor(self.store, self.scheduler, clock=clock)
        failures = FailedInvocations()
        invoker = RuntimeInvoker(runtime, region, failures)
        self.executor = SandboxExecutor(store=self.store, scheduler=self.scheduler, invoker=invoker,
                                        checkpoint_processor=processor, registry=registry, clock=clock, region=region,
                                        invocation_timeout_seconds=int(value("timeout_max_s")), failures=failures,
                                        chained=SandboxChildDispatcher(runtime, region))
        processor.add_execution_observer(self.executor)
        processor.set_chained_invoke_preflight(self.executor.preflight_chained_invoke)
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the engine's timers and loop (running executions stop where they are)."""
        self.executor.shutdown()
        self.scheduler.stop()


_service: DurableService | None = None


def start(runtime: LambdaRuntime, region: str) -> DurableService:
    """Start the durable execution service for a sandbox, replacing any earlier one (its executions end); first,
    check that the installed model is the one the engine was written against (SeamMismatch otherwise)."""
    global _service
    seams.verify_service(seams.DURABLE_MODEL)
    if _service is not None:
        _service.stop()
    _service = DurableService(runtime, region)
    return _service


def uninstall() -> None:
    """Stop the running service (the sandbox is stopping)."""
    global _service
    if _service is not None:
        _service.stop()
        _service = None


def current() -> DurableService | None:
    """The running service, or None when none has started."""
    return _service


def running_service() -> DurableService:
    """The durable execution service of the running sandbox; NoDurableService when none runs."""
    if _service is None:
        raise NoDurableService("No durable execution service runs: start the sandbox (localaws.sandbox.start()).")
    return _service
