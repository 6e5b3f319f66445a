"""One Lambda execution environment: a process running AWS's runtime interface client against our Runtime API.

Lifecycle as on Lambda: INIT (start the runtime, import the handler) on the first invocation, then any number of
INVOKE phases while it stays warm, until it is stopped by a timeout, a crash, running out of memory, a code change
or the sandbox shutting down.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from localaws.runtime import log_format, logs, request_ids
from localaws.runtime.api import Invocation, RuntimeAPI
from localaws.runtime.logging_config import LoggingConfig, default
from localaws.runtime.monitor import Monitor, peak_resident_bytes

GUEST_PATH = str(Path(__file__).with_name("guest"))
# Without `site` (-S), so this Python's installed packages stay out of the handler's reach (see code.py); the
# guest's sitecustomize (network guard, lifeline) is imported by hand, then AWS's runtime interface client runs.
_BOOT = "import sitecustomize, runpy; runpy.run_module('awslambdaric', run_name='__main__', alter_sys=True)"
OUTPUT_LIMIT = 1 << 20  # keep at most 1 MB of one invocation's output
_SIGNAL_WORDS = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
                 signal.SIGTERM: "terminated", signal.SIGBUS: "bus error"}


@dataclass
class FunctionSpec:
    """Everything an environment needs to know about the function version it runs."""

    name: str
    arn: str
    version: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    region: str
    environment: dict[str, str]
    python_path: list[str]
    cpu_share: float
    init_timeout_s: float = 10.0
    logging: LoggingConfig | None = None  # LogFormat, levels and log group; None: Text, in /aws/lambda/<name>


@dataclass
class Outcome:
    """The result of one invocation, in the terms the Invoke API answers with."""

    request_id: str
    payload: bytes
    function_error: str | None
    log: str
    report: logs.Report


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class ExecutionEnvironment:
    """A warm-able process for one function version; invocations run one at a time."""

    def __init__(self, spec: FunctionSpec, base_env: dict[str, str], lifeline_fd: int, stream: logs.LogStream):
        self.spec, self.stream = spec, stream
        self.log = log_format.FunctionLog(spec.logging or default(spec.name), spec.name, spec.arn, spec.version)
        self.id = uuid.uuid4().hex
        self.api = RuntimeAPI()
        self.invocations = 0
        self.alive = True
        self.provisioned = False  # kept initialised ahead of traffic by provisioned concurrency
        self.initialised = False
        self.init_ms: float | None = None
        self.last_used = time.monotonic()
        self._stop_reason: str | None = None
        self._pending: Invocation | None = None
        self._output = bytearray()
        self._output_lock = threading.Lock()
        self._exit_lock = threading.Lock()
        self.spawned_at = time.perf_counter()
        # one pipe for stdout, stderr and the runtime's framed log records, so their order is kept
        self._fd, output = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-S", "-c", _BOOT, spec.handler],
                cwd=spec.python_path[0],
                env=self._process_env(base_env, lifeline_fd, output),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                pass_fds=(lifeline_fd, output),
                start_new_session=True,
            )
        finally:
            os.close(output)  # the process holds the write end now; EOF comes when it exits
        self._fd_closed = False
        fcntl.fcntl(self._fd, fcntl.F_SETFL, fcntl.fcntl(self._fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        threading.Thread(target=self._read_output, name=f"output-{self.id[:8]}", daemon=True).start()
        threading.Thread(target=self._wait_exit, name=f"exit-{self.id[:8]}", daemon=True).start()

    def _process_env(self, base_env: dict[str, str], lifeline_fd: int, log_fd: int) -> dict[str, str]:
        spec = self.spec
        env = dict(spec.environment)  # the function's own variables; Lambda's reserved ones win below
        env.update(base_env)
        env.update({
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_LOG_GROUP_NAME": self.stream.group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.stream.name,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "LAMBDA_TASK_ROOT": spec.python_path[0],
            "LAMBDA_RUNTIME_DIR": spec.python_path[-1],  # code.python_path puts the runtime's folder last
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join([GUEST_PATH, *spec.python_path]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "LAMBDA_COURSE_GUEST": "1",
            "LAMBDA_COURSE_LIFELINE_FD": str(lifeline_fd),
            logs.TELEMETRY_FD_ENV: str(log_fd),  # awslambdaric frames each logging record there
            **log_format.runtime_variables(self.log.config),  # JSON records and the root logger's level
        })
        return env

    # -- output -----------------------------------------------------------------------------------------
    def _read_output(self) -> None:
        poller = select.poll()  # not select(): a busy process's descriptors may number past FD_SETSIZE (1024)
        poller.register(self._fd, select.POLLIN)
        while not self._fd_closed:
            ready = poller.poll(200)  # a descriptor reap closed meanwhile reports POLLNVAL: _drain then stops
            if ready and not self._drain():
                break
        self._close_output()  # the process and its children have all gone: nothing more can come

    def _close_output(self) -> None:
        """Close this side of the output pipe, once (every way an environment ends comes here)."""
        with self._output_lock:
            if not self._fd_closed:
                self._fd_closed = True
                os.close(self._fd)

    def _drain(self) -> bool:
        """Move whatever the process has written into the buffer; False once the pipe is closed."""
        with self._output_lock:
            while not self._fd_closed:  # once closed, the fd's number may belong to another pipe
                try:
                    chunk = os.read(self._fd, 65536)
                except BlockingIOError:
                    return True
                except OSError:
                    return False
                if not chunk:
                    return False
                room = OUTPUT_LIMIT - len(self._output)
                if room > 0:
                    self._output += chunk[:room]
                    if len(chunk) > room:
                        self._output += b"\n[output truncated: the sandbox keeps 1 MB per invocation]\n"
            return False

    def take_output(self) -> list[str]:
        """The log events written since the last call (all of them: writes before an answer are in the pipe)."""
        self._drain()
        with self._output_lock:
            events, rest = logs.split_events(bytes(self._output))
            self._output = bytearray(rest)
        return events

    # -- life and death ------------------------------------------------------------------------------------
    def _wait_exit(self) -> None:
        self.process.wait()
        with self._exit_lock:
            self.alive = False
            pending = self._pending
        if pending is not None:
            pending.finish("exit", b"")
        self.api.first_poll.set()

    def stop(self, reason: str = "shutdown") -> None:
        """Kill the environment's whole process group and stop its Runtime API."""
        with self._exit_lock:
            self._stop_reason = self._stop_reason or reason
            self.alive = False
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.api.close()

    def reap(self, timeout: float = 5.0) -> None:
        """Wait for the process to be gone (after stop)."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self._drain()  # what the process wrote before it ended, before the pipe goes
        self._close_output()

    def _exit_message(self) -> str:
        code = self.process.returncode
        if code is not None and code < 0:
            return f"signal: {_SIGNAL_WORDS.get(signal.Signals(-code), signal.Signals(-code).name.lower())}"
        return f"exit status {code}"

    # -- invoke ----------------------------------------------------------------------------------------
    def invoke(self, payload: bytes, invoked_arn: str, client_context: str | None = None) -> Outcome:
        """Run one invocation to its end: a response, an error, a crash, a timeout or running out of memory."""
        self.invocations += 1
        request_id = request_ids.claim()  # the Invoke request's own id, when one was assigned
        init_ms: float | None = None
        init_log: list[str] = []
        if not self.initialised:  # a cold start: INIT happens on this request's path
            if not self.initialise():
                return self._init_failure(request_id)
            init_ms = self.init_ms
            init_log = self._init_log()
        deadline = time.time() + self.spec.timeout_s
        invocation = Invocation(request_id, payload, invoked_arn, int(deadline * 1000),
                                f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0", client_context)
        with self._exit_lock:
            self._pending = invocation
            alive = self.alive
        if not alive:
            invocation.finish("exit", b"")
        submitted = time.perf_counter()
        self.api.submit(invocation)
        with Monitor(self.process.pid, self.spec.memory_mb << 20, self.spec.cpu_share,
                     lambda: self.stop("memory")):
            finished = invocation.done.wait(self.spec.timeout_s)
        ended = invocation.finished_at if finished else time.perf_counter()
        if not finished:
            self.stop("timeout")
        self._pending = None
        duration_ms = (ended - (invocation.started_at or submitted)) * 1000
        if not finished:  # Lambda reports the whole timeout; the runtime client took the event a moment late
            duration_ms = max(duration_ms, self.spec.timeout_s * 1000)
        output = self.take_output()
        peak_mb = max(1, round(peak_resident_bytes(self.process.pid) / (1 << 20)))
        return self._outcome(invocation, finished, init_log, output, duration_ms, init_ms, peak_mb)

    def initialise(self) -> bool:
        """INIT: wait until the runtime client has loaded the handler and asks for work; False if it failed."""
        if not self.api.first_poll.wait(self.spec.init_timeout_s) or not self.alive or self.api.init_error_body:
            return False
        self.initialised = True
        self.init_ms = (self.api.first_poll_at - self.spawned_at) * 1000
        return True

    def initialise_ahead(self) -> bool:
        """INIT before any request arrives (provisioned concurrency); its log goes straight to CloudWatch."""
        self.provisioned = True
        ok = self.initialise()
        self.stream.put(self._init_log())
        return ok

    def _init_log(self) -> list[str]:
        """INIT_START (or platform.initStart) and what the runtime wrote while loading the handler."""
        kind = "provisioned-concurrency" if self.provisioned else "on-demand"
        return [*self.log.init_start(kind), *self.log.application(self.take_output())]

    def _init_failure(self, request_id: str) -> Outcome:
        """The handler could not be loaded (or INIT ran too long): Lambda reports the init error."""
        timed_out = self.alive and not self.api.init_error_body
        self.stop("init timeout" if timed_out else "init error")
        self.reap()
        if timed_out:
            payload = _error_payload("Runtime.Unknown", f"RequestId: {request_id} Error: INIT phase timed out "
                                     f"after {self.spec.init_timeout_s:.2f} seconds")
        elif self.api.init_error_body:
            payload = self.api.init_error_body
        else:
            payload = _error_payload("Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited "
                                     f"without providing a reason\nRuntime.ExitError")
        init_ms = (time.perf_counter() - self.spawned_at) * 1000
        init_log = self._init_log()
        return self._assemble(request_id, payload, "Unhandled", init_log, [], 0.0, init_ms, 0)

    def _outcome(self, invocation: Invocation, finished: bool, init_log: list[str], output: list[str],
                 duration_ms: float, init_ms: float | None, peak_mb: int) -> Outcome:
        rid = invocation.request_id
        if not finished:
            message = f"Task timed out after {self.spec.timeout_s:.2f} seconds"
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            output.append(f"{stamp}Z {rid} {message}")
            payload = _error_payload("Sandbox.Timedout", f"RequestId: {rid} Error: {message}")
            return self._assemble(rid, payload, "Unhandled", init_log, output, duration_ms, init_ms, peak_mb)
        if invocation.outcome == "exit":
            self.reap()
            if self._stop_reason == "memory":
                peak_mb = self.spec.memory_mb
                reason = "signal: killed"
            else:
                reason = self._exit_message()
            message = f"RequestId: {rid} Error: Runtime exited with error: {reason}"
            output += [message, "Runtime.ExitError"]
            payload = _error_payload("Runtime.ExitError", message)
            return self._assemble(rid, payload, "Unhandled", init_log, output, duration_ms, init_ms, peak_mb)
        if peak_mb > self.spec.memory_mb:  # a spike between two samples: Lambda would have killed it
            self.stop("memory")
            self.reap()
            message = f"RequestId: {rid} Error: Runtime exited with error: signal: killed"
            payload = _error_payload("Runtime.ExitError", message)
            return self._assemble(rid, payload, "Unhandled", init_log, [*output, message], duration_ms,
                                  init_ms, self.spec.memory_mb)
        error = "Unhandled" if invocation.outcome == "error" else None
        return self._assemble(rid, invocation.result, error, init_log, output, duration_ms, init_ms, peak_mb)

    def _assemble(self, rid: str, payload: bytes, function_error: str | None, init_log: list[str],
                  output: list[str], duration_ms: float, init_ms: float | None, peak_mb: int) -> Outcome:
        """Write the invocation's log events to CloudWatch; the Outcome carries them as text, one per line."""
        report = logs.Report(rid, duration_ms, self.spec.memory_mb, peak_mb, init_ms)
        ended = log_format.outcome_of(function_error, payload)
        events = [*init_log, *self.log.start(rid), *self.log.application(output),
                  *self.log.end(rid, ended, duration_ms, len(payload)), *self.log.report(report, ended)]
        self.stream.put(events)
        return Outcome(rid, payload, function_error, "\n".join(events) + "\n", report)
