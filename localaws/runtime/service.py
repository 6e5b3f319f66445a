"""The sandbox's Lambda service: finds or starts an execution environment for each invocation and runs it.

One pool of environments per function version. An idle environment is reused (a warm start); when all are busy
a new one starts (a cold start). A change of code or configuration (the execution role and the KMS key among it)
retires the old environments, as publishing new code does on Lambda.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localaws.credentials import role_credentials
from localaws.facts import value
from localaws.runtime import code, durable_hook, invoke_checks, logging_config
from localaws.runtime.asynchronous import AsyncEvent, AsyncInvoker
from localaws.runtime.clock import Clock
from localaws.runtime.concurrency import ConcurrencyLimits
from localaws.runtime.environment import ExecutionEnvironment, FunctionSpec, Outcome
from localaws.runtime.errors import InvokeError
from localaws.runtime.logs import LogStream
from localaws.runtime.observer import Concurrency, InvocationObserver

log = logging.getLogger(__name__)
MAX_ENVIRONMENTS = 32  # a guard for this machine, far below Lambda's account quota


@dataclass
class _Pool:
    revision: tuple
    idle: list[ExecutionEnvironment] = field(default_factory=list)
    busy: set[ExecutionEnvironment] = field(default_factory=set)
    starting: int = 0  # environments being created for an invocation: already in flight


def _revision(fn: Any) -> tuple:
    """What, if it changes, means the old environments must not serve the next invocation.

    The role and the KMS key are part of it: an environment holds the role's credentials and the variables the
    key decrypted, so after either changes Lambda serves the next invocation from a new environment.
    """
    env = tuple(sorted((getattr(fn, "environment_vars", None) or {}).items()))
    layers = tuple(layer["Arn"] for layer in getattr(fn, "layers", []) or [])
    return (fn.code_sha_256, fn.handler, fn.run_time, int(fn.memory_size), float(fn.timeout), env, layers, fn.role,
            getattr(fn, "kms_key_arn", None) or None, logging_config.of(fn))


class LambdaRuntime:
    """Runs Lambda invocations for the moto backend, in real processes."""

    def __init__(self, endpoint_url: str, workdir: Path, clock: Clock | None = None) -> None:
        self.endpoint_url, self.workdir = endpoint_url, workdir
        self._pools: dict[tuple[str, str], _Pool] = {}
        self._lock = threading.Lock()
        self._lifeline_read, self._lifeline_write = os.pipe()
        os.set_inheritable(self._lifeline_read, True)
        self.clock = clock or Clock()
        self._async = AsyncInvoker(self.invoke, self.clock, self._track)
        self._pending: set[Future] = set()
        self._pending_lock = threading.Condition()
        self.limits = ConcurrencyLimits()
        # provisioned concurrency configurations by (function, qualifier): see provisioned.py
        self.provisioned_configs: dict[tuple[str, str], Any] = {}
        self.code_link_secret = secrets.token_bytes(32)  # signs GetFunction's download links: see code_location.py
        self.observer = InvocationObserver()  # told of invocations and throttles: CloudWatch's metrics listen
        self._async.observer = self.observer
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
                            code.python_path(task, opt, code.runtime_dir(self.workdir, runtime)), share,
                            logging=logging_config.of(fn))

    def _base_env(self, fn: Any) -> dict[str, str]:
        env = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "HOME") if key in os.environ}
        env["AWS_ENDPOINT_URL"] = self.endpoint_url
        env.update(role_credentials(fn))
        return env

    def _throttle_check(self, fn: Any) -> None:
        """Raise TooManyRequestsException if the function is at its concurrency limit (call with the lock)."""
        in_flight: dict[str, int] = {}
        for (arn, _version), pool in self._pools.items():
            name = arn.split(":function:")[1].split(":")[0]
            in_flight[name] = in_flight.get(name, 0) + len(pool.busy) + pool.starting
        throttle = self.limits.check(fn.function_name, _reservations(fn), in_flight)
        if throttle is not None:
            raise InvokeError("TooManyRequestsException", throttle.message, 429, reason=throttle.reason)

    def _acquire(self, fn: Any) -> ExecutionEnvironment:
        """A warm environment if one is idle (provisioned ones first), else a new one; throttles at the limit."""
        key, revision = (fn.function_arn, str(fn.version)), _revision(fn)
        with self._lock:
            if self.closed:
                raise InvokeError("ServiceException", "The sandbox has been stopped.", 500)
            self._throttle_check(fn)
            pool = self._pools.get(key)
            retired = pool.idle if pool is not None and pool.revision != revision else []
            if pool is None or retired:
                pool = self._pools[key] = _Pool(revision)
            env = self._take_idle(pool, retired)
            if env is None:
                self._make_room(retired)
                pool.starting += 1
        for old in retired:
            old.stop("code or configuration changed")
        if env is not None:
            return env
        try:
            env = self._new_environment(fn)
        finally:
            with self._lock:
                pool.starting -= 1
        with self._lock:
            pool.busy.add(env)
        return env

    @staticmethod
    def _take_idle(pool: _Pool, retired: list[ExecutionEnvironment]) -> ExecutionEnvironment | None:
        pool.idle.sort(key=lambda candidate: candidate.provisioned)  # provisioned ones last, so popped first
        while pool.idle:
            env = pool.idle.pop()
            if env.alive:
                pool.busy.add(env)
                return env
            retired.append(env)
        return None

    def _new_environment(self, fn: Any) -> ExecutionEnvironment:
        spec = self._spec(fn)
        stream_name = f"{time.strftime('%Y/%m/%d')}/[{spec.version}]{os.urandom(16).hex()}"
        stream = LogStream(fn.logs_backend, fn.logs_group_name, stream_name)
        return ExecutionEnvironment(spec, self._base_env(fn), self._lifeline_read, stream)

    # -- provisioned concurrency ------------------------------------------------------------------------
    def provision(self, fn: Any, count: int) -> list[ExecutionEnvironment]:
        """Start `count` environments for this function version and initialise them before any request."""
        envs = [self._new_environment(fn) for _ in range(count)]
        key = (fn.function_arn, str(fn.version))
        with self._lock:
            pool = self._pools.get(key)
            if pool is None or pool.revision != _revision(fn):
                pool = self._pools[key] = _Pool(_revision(fn))
            pool.idle.extend(envs)
        for env in envs:
            threading.Thread(target=env.initialise_ahead, name="provision", daemon=True).start()
        return envs

    def deprovision(self, fn: Any) -> None:
        """Stop this version's provisioned environments (the idle ones now, busy ones when they finish)."""
        with self._lock:
            pool = self._pools.get((fn.function_arn, str(fn.version)))
            if pool is None:
                return
            retired = [env for env in pool.idle if env.provisioned]
            pool.idle = [env for env in pool.idle if not env.provisioned]
            for env in pool.busy:
                env.provisioned = False
        for env in retired:
            env.stop("provisioned concurrency removed")

    def _release(self, fn: Any, env: ExecutionEnvironment) -> None:
        with self._lock:
            pool = self._pools.get((fn.function_arn, str(fn.version)))
            if pool is not None and env in pool.busy:
                pool.busy.discard(env)
                if env.alive and (env.provisioned or pool.revision == _revision(fn)):
                    env.last_used = time.monotonic()
                    pool.idle.append(env)
                    return
        env.stop("retired")

    def _count(self) -> int:
        return sum(len(pool.idle) + len(pool.busy) + pool.starting for pool in self._pools.values())

    def _make_room(self, retired: list[ExecutionEnvironment]) -> None:
        """At the machine's cap, retire the longest-idle environment (as Lambda reclaims idle ones); throttle
        only when every environment is busy. Call with the lock held."""
        for pool in self._pools.values():
            retired.extend(env for env in pool.idle if not env.alive)
            pool.idle = [env for env in pool.idle if env.alive]
        while self._count() >= MAX_ENVIRONMENTS:
            candidates = [(env.provisioned, env.last_used, i, pool) for pool in self._pools.values()
                          for i, env in enumerate(pool.idle)]
            if not candidates:
                raise InvokeError("TooManyRequestsException", "Rate Exceeded. (The sandbox runs at most "
                                  f"{MAX_ENVIRONMENTS} execution environments at once.)", 429)
            _provisioned, _used, index, pool = min(candidates, key=lambda c: c[:2])
            retired.append(pool.idle.pop(index))

    # -- invoking --------------------------------------------------------------------------------------------
    def invoke(self, fn: Any, payload: bytes, invoked_arn: str | None = None,
               client_context: str | None = None) -> Outcome:
        """Run one invocation and return its outcome (payload, error kind, log, REPORT).

        Every path reaches Lambda's functions through here. A durable function's invocation starts a durable
        execution and waits for it (localaws.runtime.durable_hook); any other runs the handler (`run_handler`).
        """
        if durable_hook.is_durable(fn):
            return durable_hook.run(fn, payload, invoked_arn or fn.function_arn)
        return self.run_handler(fn, payload, invoked_arn, client_context)

    def run_handler(self, fn: Any, payload: bytes, invoked_arn: str | None = None,
                    client_context: str | None = None) -> Outcome:
        """Run the handler once in an execution environment (the durable execution service's invocations too).

        What Lambda refuses before any code runs (an unusable KMS key, say: localaws.runtime.invoke_checks) is
        refused here, as a CheckRefusal.
        """
        refused = invoke_checks.refusal(fn)
        if refused is not None:
            raise refused
        arn = invoked_arn or fn.function_arn
        try:
            env = self._acquire(fn)
        except InvokeError as error:
            if error.code == "TooManyRequestsException":
                self.observer.throttled(fn, arn, self.clock.now())
            raise
        started_at, concurrency = self.clock.now(), self._concurrency(fn.function_name)
        try:
            outcome = env.invoke(payload, arn, client_context)
        except Exception as error:  # any sandbox failure: logged, the environment stopped, and a 500 answered
            log.exception("The sandbox failed to run %s", fn.function_name)
            env.stop("sandbox error")
            raise InvokeError("ServiceException", f"The sandbox failed to run the function: {error}", 500) from error
        finally:
            self._release(fn, env)
        self.observer.invoked(fn, arn, outcome, started_at, concurrency)
        return outcome

    def set_observer(self, observer: InvocationObserver) -> None:
        """Have `observer` told of every invocation, throttle and asynchronous event from now on."""
        self.observer = self._async.observer = observer

    def _concurrency(self, function_name: str) -> Concurrency:
        """Invocations in flight now, of one function and of the account (ConcurrentExecutions)."""
        with self._lock:
            counts = [(arn.split(":function:")[1].split(":")[0], len(pool.busy) + pool.starting)
                      for (arn, _version), pool in self._pools.items()]
        return Concurrency(sum(n for name, n in counts if name == function_name), sum(n for _, n in counts))

    def invoke_async(self, fn: Any, payload: bytes, invoked_arn: str | None = None, durable: Any = None) -> Future:
        """Queue an invocation to run in the background, as InvocationType=Event does (with Lambda's retries).

        For a durable function the event starts a durable execution (`durable`: one the Invoke API prepared, with
        the name it was given; else one is prepared when the event is attempted). An unqualified ARN is refused
        before it joins the queue, as Lambda refuses the service that invokes with it (the refusal is logged).
        """
        arn = invoked_arn or fn.function_arn
        if durable is None and durable_hook.is_durable(fn):
            refused = durable_hook.refusal(arn)
            if refused is not None:
                log.warning("Lambda refused an asynchronous invocation of %s: %s: %s", arn, refused.code,
                            refused.message)
                done: Future = Future()
                done.set_result(None)
                return done
        event = AsyncEvent(fn, payload, arn, self.clock.now(), durable=durable)
        return self._track(self._async.submit(event))

    def _track(self, future: Future) -> Future:
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        if not future.cancelled() and (error := future.exception()) is not None:
            log.error("A background invocation failed in the sandbox", exc_info=error)
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
        self._async.close()
        self.stop_all()
        for fd in (self._lifeline_write, self._lifeline_read):
            try:
                os.close(fd)
            except OSError:
                pass


def _reservations(fn: Any) -> dict[str, int]:
    """Reserved concurrency of every function in the account and region, by name."""
    functions = _lambda_backend(fn).list_functions()
    return {f.function_name: int(f.reserved_concurrency) for f in functions if f.reserved_concurrency is not None}


def _lambda_backend(fn: Any) -> Any:
    from moto.awslambda.models import lambda_backends  # moto loads at sandbox start: start-up time

    return lambda_backends[fn.account_id][fn.region]


__all__ = ["LambdaRuntime", "Outcome"]
