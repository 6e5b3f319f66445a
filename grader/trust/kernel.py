"""nbgrader's Execute step with its kernel in a jail, its tests judged outside it, and a log of incidents.

`JailedExecute` replaces nbgrader's `Execute` in the autograde preprocessors (see `jailed_config`). It starts the
kernel through the jail's launcher and runs the learner's cells and the lab's set-up cells there; a test cell
never reaches the kernel: the judge (judge.py) runs it in this process, asking the kernel only for the learner's
values and calls (agent.py), and reads what the course's companion program offers (for a Lambda course, the
learner's sandbox: see GradedCourse.companion and .judging in grader/course.py). The error output a failed test
gets is the judge's, which nbgrader scores 0. It keeps any one cell's output (and the notebook's) under the
jail's limits, and survives a kernel that dies or will not stop: the cell that did it and every later cell get an
error output, while the tests that already passed keep their points. Each incident is appended to a JSON-lines
log for the learner's report.

It is the course's Execute step everywhere: `lambda-course grade` hands it a jail (`jailed_config`), and when
nbgrader runs it on its own (`nbgrader autograde`, the Formgrader's autograde button) it makes one, so every
grading path runs learner code jailed and judges it outside.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import json
import shutil
import sys
import threading
import time
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode
from traitlets.config import Config

from grader.course import settings
from grader.trust import forkserver, judge
from grader.trust.companion import companion_in
from grader.trust.jail import Jail, Limits, course_hidden_paths

TRUNCATED = "\n[output truncated by the grader: {kept} of {total} characters kept]\n"


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command runs through the jail's launcher."""

    policy_file = Unicode("", help="The jail policy (Jail.policy_file) kernels start with.").tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel spec's command, wrapped in the launcher."""
        command = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-m", "grader.trust.launch", self.policy_file, "--", *command]


class JailedExecute(Execute):
    """nbgrader's Execute, jailed, with output limits; a dead or stuck kernel costs only what is left."""

    incident_log = Unicode("", help="JSON-lines file where incidents are appended.").tag(config=True)
    companion_offer = Unicode("", help="JSON of what the course's companion program offered the judge, read "
                              "before learner code ran (empty: no companion).").tag(config=True)
    cell_output_chars = Integer(100_000).tag(config=True)
    total_output_chars = Integer(1_000_000).tag(config=True)
    answer_chars = Integer(10_000_000, help="The most a learner's answer to the judge may hold.").tag(config=True)
    config: Config  # traitlets' own trait (nbgrader's Execute is untyped); _in_own_jail replaces it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["kernel_manager_class"] = JailedKernelManager
        super().__init__(*args, **kwargs)
        self._stopped: str = ""
        self._output_used = 0
        self._cell_used: dict[int, int] = {}
        self._truncated: set[int] = set()
        self._names: judge.Names | None = None
        self._judging: Any = None

    def record(self, kind: str, cell_index: int | None = None, detail: str = "") -> None:
        """Append one incident (timeout, kernel-died, output-truncated, ...) to the log."""
        if self.incident_log:
            entry = {"kind": kind, "cell": cell_index, "detail": detail}
            with Path(self.incident_log).open("a") as handle:
                handle.write(json.dumps(entry) + "\n")

    async def async_execute_cell(self, cell: NotebookNode, cell_index: int, *args: Any, **kwargs: Any) -> Any:
        """Run one cell; after the kernel died or stuck, give it an error instead of running it."""
        if cell.cell_type != "code":
            return cell
        if self._stopped:
            cell.outputs = [_error_output("NotRun", f"not run: {self._stopped}")]
            return cell
        if _is_test(cell):
            return await self._judge(cell, cell_index)
        try:
            cell = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
            if _is_lab_cell(cell):
                judge.lab_names(cell.source, self._judge_names())
            if any(out.get("ename") == "MemoryError" for out in cell.get("outputs", [])):
                self.record("memory", cell_index, "MemoryError: the cell asked for more than the jail allows")
            return cell
        except DeadKernelError:
            self._stop(cell, cell_index, "kernel-died", "the kernel stopped while this cell ran")
        except CellTimeoutError:
            self._stop(cell, cell_index, "timeout", f"this cell ran past {self.timeout} s and would not stop")
            await self._kill_kernel()
        return cell

    execute_cell = run_sync(async_execute_cell)  # nbclient binds its own coroutine here, not the override

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        """Run the notebook in the jail it was given, or, run by nbgrader on its own, in one of its own."""
        try:
            if self.config.get("JailedKernelManager", {}).get("policy_file"):
                return super().preprocess(nb, resources, km)
            return self._in_own_jail(nb, resources or {}, km)
        finally:
            if self._judging is not None:  # the judge's links to what the companion offered
                self._judging.close()
                self._judging = None

    def _in_own_jail(self, nb: NotebookNode, resources: Any, km: Any) -> tuple[NotebookNode, Any]:
        """nbgrader's own autograde: the notebook's folder copied into a fresh jail, the course kept out of sight."""
        course = settings(self.config)
        root = Path(self.config.get("CourseDirectory", {}).get("root") or course.root_path())
        folder = Path(resources.get("metadata", {}).get("path") or Path.cwd())
        hidden = course_hidden_paths(root, folder, course=course)  # with the course's answer keys
        with forkserver.jail(hidden, Limits(wall_s=self.timeout * 20 or 900), course=course) as jail:
            for item in folder.iterdir():
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, jail.scratch / item.name)
            resources.setdefault("metadata", {})["path"] = str(jail.scratch)
            watchdog = threading.Timer(jail.limits.wall_s, jail.kill)
            watchdog.start()
            try:
                with companion_in(jail, course) as offered:
                    self.config = jailed_config(self.config, jail, jail.control / "incidents.jsonl", offered)
                    return super().preprocess(nb, resources, km)
            finally:
                watchdog.cancel()

    # -- the judge ------------------------------------------------------------------------------------------
    def _judge_names(self) -> judge.Names:
        if self._names is None:
            self._names = judge.Names(_KernelLink(self, asyncio.get_running_loop()), {})
        return self._names

    def _around_test(self) -> Any:
        """The context each test cell is judged in: the course's (over what its companion offered), or none."""
        if self._judging is None:
            build = settings(self.config).hook("judging")
            offer = json.loads(self.companion_offer) if self.companion_offer else {}
            self._judging = build(offer) if build is not None else _NoJudging()
        return self._judging.around_test()

    async def _judge(self, cell: NotebookNode, cell_index: int) -> NotebookNode:
        """Run a test cell in this process; its outputs are the verdict's (nothing at all when it passed)."""
        names, around = self._judge_names(), self._around_test()

        def run() -> judge.Verdict:
            with around:
                return judge.judge_cell(cell, names)

        try:
            verdict = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, run),
                                             timeout=self.timeout or None)
        except TimeoutError:
            self.record("timeout", cell_index, f"this test ran past {self.timeout} s")
            verdict = judge.Verdict(False, "Timeout", f"The test did not finish within {self.timeout} s.")
        cell.outputs = verdict.outputs()
        return cell

    async def ask_kernel(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request to the learner's kernel (agent.py): its answer, decoded here from plain text."""
        expression = f"__import__('grader.trust.agent', fromlist=['answer']).answer({json.dumps(request)!r})"
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"answer": expression},
                                 allow_stdin=False)
        reply = await self._reply_to(msg_id)
        answer = reply["content"].get("user_expressions", {}).get("answer", {})
        if answer.get("status") != "ok":
            raise judge.LearnerUnavailable(f"{answer.get('ename', 'no answer')}: {answer.get('evalue', '')}")
        text = answer.get("data", {}).get("text/plain", "")
        if not isinstance(text, str) or len(text) > self.answer_chars:
            raise judge.LearnerUnavailable("the answer was larger than the grader reads")
        try:
            decoded = json.loads(ast.literal_eval(text))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
            raise judge.LearnerUnavailable(f"the answer was not plain data ({type(error).__name__})") from None
        if not isinstance(decoded, dict):
            raise judge.LearnerUnavailable("the answer was not plain data")
        return decoded

    async def _reply_to(self, msg_id: str) -> dict[str, Any]:
        """The kernel's reply to `msg_id`; a kernel that dies or overruns the cell timeout is interrupted."""
        deadline = time.monotonic() + (self.timeout or 60)
        while time.monotonic() < deadline:
            try:
                message = await ensure_async(self.kc.shell_channel.get_msg(timeout=self.shell_timeout_interval))
            except Empty:
                if not await ensure_async(self.kc.is_alive()):
                    raise judge.LearnerUnavailable("the notebook's kernel stopped") from None
                continue
            if message["parent_header"].get("msg_id") == msg_id:
                return message
        await ensure_async(self.km.interrupt_kernel())
        raise judge.LearnerUnavailable(f"your code did not answer within {self.timeout} s")

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        """Note the timeout, then let nbclient interrupt the kernel as usual."""
        self.record("timeout", None, f"a cell ran past {timeout} s and was interrupted")
        return await super()._async_handle_timeout(timeout, cell)

    def _stop(self, cell: NotebookNode, cell_index: int, kind: str, why: str) -> None:
        self._stopped = f"an earlier cell stopped the notebook ({why})"
        self.record(kind, cell_index, why)
        cell.outputs = [*cell.get("outputs", []), _error_output(kind, why)]

    async def _kill_kernel(self) -> None:
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception as error:  # later cells already score 0 (NotRun); the jail kills what is left of it
            self.log.warning("could not stop a stuck kernel: %s", error)

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        """Keep each output only up to the cell's and the notebook's character budgets.

        An error is always kept, cut to the budget: nbgrader scores a test cell 0 only when it has one.
        """
        budget = self._budget(cell_index)
        if budget == 0 and cell_index in self._truncated and msg.get("msg_type") != "error":
            return None  # the note that output was cut is already there
        msg = _clipped(msg, budget)
        size = _size(msg)
        self._cell_used[cell_index] = self._cell_used.get(cell_index, 0) + size
        self._output_used += size
        if msg.get("truncated"):
            self._truncated.add(cell_index)
            self.record("output-truncated", cell_index, msg["truncated"])
        return super().output(outs, msg, display_id, cell_index)

    def _budget(self, cell_index: int) -> int:
        left_cell = self.cell_output_chars - self._cell_used.get(cell_index, 0)
        return max(0, min(left_cell, self.total_output_chars - self._output_used))


def _clipped(msg: dict, budget: int) -> dict:
    """The message with its text cut to `budget` characters (a note says how much was dropped)."""
    content = msg.get("content", {})
    texts = _texts(content)
    total = sum(len(text) for _, _, text in texts)
    if total <= budget:
        return msg
    msg = copy.deepcopy(msg)
    left = budget
    for holder, key, text in _texts(msg["content"]):
        keep = text[:left]
        left -= len(keep)
        holder[key] = keep
    note = TRUNCATED.format(kept=budget, total=total)
    if msg["msg_type"] == "stream":
        msg["content"]["text"] += note
    elif msg["msg_type"] == "error":
        msg["content"]["traceback"] = msg["content"].get("traceback", [])[:20] + [note]
    msg["truncated"] = f"{total} characters of output, {budget} kept"
    return msg


def _texts(content: dict) -> list[tuple[Any, Any, str]]:
    """(container, key, text) for every string an output message carries."""
    found: list[tuple[Any, Any, str]] = []
    if isinstance(content.get("text"), str):
        found.append((content, "text", content["text"]))
    for key, value in content.get("data", {}).items():
        if isinstance(value, str):
            found.append((content["data"], key, value))
    for name in ("evalue", "ename"):
        if isinstance(content.get(name), str):
            found.append((content, name, content[name]))
    for i, line in enumerate(content.get("traceback", []) or []):
        if isinstance(line, str):
            found.append((content["traceback"], i, line))
    return found


def _size(msg: dict) -> int:
    return sum(len(text) for _, _, text in _texts(msg.get("content", {})))


class _KernelLink:
    """The judge's `Link`: its requests, made from the judge's thread, run on the executor's event loop."""

    def __init__(self, executor: JailedExecute, loop: asyncio.AbstractEventLoop) -> None:
        self.executor, self.loop = executor, loop

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        future = asyncio.run_coroutine_threadsafe(self.executor.ask_kernel(request), self.loop)
        return future.result(timeout=(self.executor.timeout or 60) + 30)


def _is_test(cell: NotebookNode) -> bool:
    """A lab's test cell: graded, and not an answer."""
    return cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)


def _is_lab_cell(cell: NotebookNode) -> bool:
    """One of the lab's own code cells that is not a test (set-up), whose source nbgrader put back."""
    return (cell.cell_type == "code" and nbgrader_utils.is_locked(cell) and not nbgrader_utils.is_grade(cell)
            and not nbgrader_utils.is_solution(cell))


def _error_output(name: str, text: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=text, traceback=[f"{name}: {text}"])


def jailed_config(config: Config, jail: Jail, incident_log: Path, offered: dict[str, str] | None = None) -> Config:
    """A copy of the nbgrader config whose Execute step runs in `jail`, judging with what was `offered`."""
    c = copy.deepcopy(config)
    steps = c.Autograde.get("autograde_preprocessors") if "Autograde" in c else None
    if isinstance(steps, list):
        c.Autograde.autograde_preprocessors = [JailedExecute if s is Execute else s for s in steps]
    c.JailedKernelManager.policy_file = str(jail.policy_file)
    if jail.isolated_network:  # the kernel has only its own loopback: talk to it over unix sockets
        c.JailedKernelManager.transport = "ipc"
        c.JailedKernelManager.ip = str(jail.scratch / "kernel")
    c.JailedKernelManager.connection_file = str(jail.scratch / "kernel.json")
    c.JailedExecute.incident_log = str(incident_log)
    if offered is not None:
        c.JailedExecute.companion_offer = json.dumps(offered)
    c.JailedExecute.cell_output_chars = jail.limits.cell_output_chars
    c.JailedExecute.total_output_chars = jail.limits.total_output_chars
    return c


class _NoJudging:
    """The judging context of a course with no companion program: test cells run as they are."""

    def around_test(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def close(self) -> None:
        """Nothing to stop."""
