"""The sandbox's Lambda service: finds or starts an execution environment for each invocation and runs it.

One pool of environments per function version. An idle environment is reused (a warm start); when all are busy
a new one starts (a cold start). A change of code or configuration retires the old environments, as publishing
new code does on Lambda.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.facts import value
from grader.runtime import code
from grader.runtime.environment import ExecutionEnvironment, FunctionSpec, Outcome, _error_payload
from grader.runtime.logs import LogStream

MAX_ENVIRONMENTS = 32  # a guard for this machine, far below Lambda's account quota


class InvokeError(Exception):
    """An invocation Lambda refuses before running any code (unsupported runtime, bad package, throttle)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class _Pool:
    revision: tuple
    idle: list[ExecutionEnvironment] = field(default_factory=list)
    busy: set[ExecutionEnvironment] = field(default_factory=set)


def _revision(fn: Any) -> tuple:
    """What, if it changes, means the old environments must not serve the next invocation."""
    env = tuple(sorted((getattr(fn, "environment_vars", None) or {}).items()))
    layers = tuple(layer["Arn"] for layer in getattr(fn, "layers", []) or [])
    return (fn.code_sha_256, fn.handler, fn.run_time, int(fn.memory_size), float(fn.timeout), env, layers)


class LambdaRuntime:
    """Runs Lambda invocations for the moto backend, in real processes."""

    def __init__(self, endpoint_url: str, workdir: Path) -> None:
        self.endpoint_url, self.workdir = endpoint_url, workdir
        self._pools: dict[tuple[str, str], _Pool] = {}
        self._lock = threading.Lock()
        self._lifeline_read, self._lifeline_write = os.pipe()
        os.set_inheritable(self._lifeline_read, True)
        self._background = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self._pending: set[Future] = set()
        self._pending_lock = threading.Condition()
        self.closed = False

    # -- environments -----------------------------------------------------------------------------------------
    def _spec(self, fn: Any) -> FunctionSpec:
        runtime = fn.run_time or ""
        if getattr(fn, "package_type", "Zip") != "Zip":
            raise InvokeError("InvalidRuntimeException", "The sandbox runs zip packages only, not container "
                              "images; package the handler as a zip.", 502)
        if not runtime.startswith("python3"):
            raise InvokeError("InvalidRuntimeException", f"The sandbox runs Python functions only; runtime "
                              f"{runtime or '(none)'} is not supported. Create the function with a python3.x "
                              "runtime.", 502)
        if not fn.handler or "." not in fn.handler:
            raise InvokeError("InvalidParameterValueException", f"Handler {fn.handler!r} is not of the form "
                              "module.function, for example app.handler.", 400)
        try:
            task = code.task_root(self.workdir, fn)
            opt = code.layers_root(self.workdir, fn, _lambda_backend(fn))
        except code.CodeError as error:
            raise InvokeError("InvalidParameterValueException", str(error), 400) from error
        memory = int(fn.memory_size)
        share = memory / value("memory_per_vcpu_mb")
        return FunctionSpec(fn.function_name, fn.function_arn, str(fn.version), fn.handler, runtime, memory,
                            float(fn.timeout), fn.region, dict(fn.environment_vars or {}),
                            code.python_path(task, opt), share)

    def _base_env(self, fn: Any) -> dict[str, str]:
        from grader.sandbox.credentials import role_credentials

        env = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "HOME") if key in os.environ}
        env["AWS_ENDPOINT_URL"] = self.endpoint_url
        env.update(role_credentials(fn))
        return env

    def _acquire(self, fn: Any) -> tuple[ExecutionEnvironment, bool]:
        key, revision = (fn.function_arn, str(fn.version)), _revision(fn)
        retired: list[ExecutionEnvironment] = []
        with self._lock:
            if self.closed:
                raise InvokeError("ServiceException", "The sandbox has been stopped.", 500)
            pool = self._pools.get(key)
            if pool is None or pool.revision != revision:
                if pool is not None:
                    retired = pool.idle
                pool = self._pools[key] = _Pool(revision)
            while pool.idle:
                env = pool.idle.pop()
                if env.alive:
                    pool.busy.add(env)
                    break
                retired.append(env)
            else:
                env = None
            if env is None and self._count() >= MAX_ENVIRONMENTS:
                raise InvokeError("TooManyRequestsException", "Rate Exceeded. (The sandbox runs at most "
                                  f"{MAX_ENVIRONMENTS} execution environments at once.)", 429)
        for old in retired:
            old.stop("code or configuration changed")
        if env is not None:
            return env, False
        spec = self._spec(fn)
        stream_name = f"{time.strftime('%Y/%m/%d')}/[{spec.version}]{os.urandom(16).hex()}"
        stream = LogStream(fn.logs_backend, fn.logs_group_name, stream_name)
        env = ExecutionEnvironment(spec, self._base_env(fn), self._lifeline_read, stream)
        with self._lock:
            pool.busy.add(env)
        return env, True

    def _release(self, fn: Any, env: ExecutionEnvironment) -> None:
        with self._lock:
            pool = self._pools.get((fn.function_arn, str(fn.version)))
            if pool is not None and env in pool.busy:
                pool.busy.discard(env)
                if env.alive and pool.revision == _revision(fn):
                    pool.idle.append(env)
                    return
        env.stop("retired")

    def _count(self) -> int:
        return sum(len(pool.idle) + len(pool.busy) for pool in self._pools.values())

    # -- invoking --------------------------------------------------------------------------------------------
    def invoke(self, fn: Any, payload: bytes, invoked_arn: str | None = None,
               client_context: str | None = None) -> Outcome:
        """Run one synchronous invocation and return its outcome (payload, error kind, log, REPORT)."""
        env, _cold = self._acquire(fn)
        try:
            return env.invoke(payload, invoked_arn or fn.function_arn, client_context)
        except Exception as error:  # never let the sandbox's own failure look like the handler's
            env.stop("sandbox error")
            raise InvokeError("ServiceException", f"The sandbox failed to run the function: {error}", 500) from error
        finally:
            self._release(fn, env)

    def invoke_async(self, fn: Any, payload: bytes, invoked_arn: str | None = None) -> Future:
        """Queue an invocation to run in the background, as InvocationType=Event does."""
        future = self._background.submit(self.invoke, fn, payload, invoked_arn)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        with self._pending_lock:
            self._pending.discard(future)
            self._pending_lock.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no background invocation is queued or running; False if it took longer than timeout."""
        with self._pending_lock:
            return self._pending_lock.wait_for(lambda: not self._pending, timeout)

    def environments(self, function_name: str | None = None) -> list[ExecutionEnvironment]:
        """The live environments, optionally of one function (for chapters and tests to look at)."""
        with self._lock:
            found = [env for pool in self._pools.values() for env in (*pool.idle, *pool.busy)]
        return [env for env in found if env.alive and function_name in (None, env.spec.name)]

    def stop_all(self) -> None:
        """Stop every environment (reset, or the sandbox stopping)."""
        with self._lock:
            envs = [env for pool in self._pools.values() for env in (*pool.idle, *pool.busy)]
            self._pools.clear()
        for env in envs:
            env.stop("sandbox reset")
        for env in envs:
            env.reap()

    def close(self) -> None:
        """Stop everything for good; processes still around end through the closed lifeline."""
        self.closed = True
        self._background.shutdown(wait=False, cancel_futures=True)
        self.stop_all()
        for fd in (self._lifeline_write, self._lifeline_read):
            try:
                os.close(fd)
            except OSError:
                pass


def _lambda_backend(fn: Any) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[fn.account_id][fn.region]


__all__ = ["InvokeError", "LambdaRuntime", "Outcome", "_error_payload"]
