"""nbgrader's Execute step with its kernel in a jail, outputs capped as they arrive, and a log of incidents.

`JailedExecute` replaces nbgrader's `Execute` in the autograde preprocessors (see `jailed_config`). It starts
the kernel through the jail's launcher, keeps any one cell's output (and the notebook's) under the jail's
limits, and survives a kernel that dies or will not stop: the cell that did it and every later cell get an
error output (so they score 0), while the tests that already passed keep their points. Each incident is
appended to a JSON-lines log that the grader turns into the learner's report.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode
from traitlets.config import Config

from grader.grading.trust.jail import Jail

TRUNCATED = "\n[output truncated by the grader: {kept} of {total} characters kept]\n"


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command runs through the jail's launcher."""

    policy_file = Unicode("", help="The jail policy (Jail.policy_file) kernels start with.").tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel spec's command, wrapped in the launcher."""
        command = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-m", "grader.grading.trust.launch", self.policy_file, "--", *command]


class JailedExecute(Execute):
    """nbgrader's Execute, jailed, with output limits; a dead or stuck kernel costs only what is left."""

    incident_log = Unicode("", help="JSON-lines file where incidents are appended.").tag(config=True)
    cell_output_chars = Integer(100_000).tag(config=True)
    total_output_chars = Integer(1_000_000).tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["kernel_manager_class"] = JailedKernelManager
        super().__init__(*args, **kwargs)
        self._stopped: str = ""
        self._output_used = 0
        self._cell_used: dict[int, int] = {}
        self._truncated: set[int] = set()

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
        try:
            cell = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
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


def _error_output(name: str, text: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=text, traceback=[f"{name}: {text}"])


def jailed_config(config: Config, jail: Jail, incident_log: Path) -> Config:
    """A copy of the nbgrader config whose Execute step runs in `jail`."""
    c = copy.deepcopy(config)
    steps = list(c.Autograde.autograde_preprocessors)
    c.Autograde.autograde_preprocessors = [JailedExecute if s is Execute else s for s in steps]
    c.JailedKernelManager.policy_file = str(jail.policy_file)
    if jail.isolated_network:  # the kernel has only its own loopback: talk to it over unix sockets
        c.JailedKernelManager.transport = "ipc"
        c.JailedKernelManager.ip = str(jail.scratch / "kernel")
    c.JailedKernelManager.connection_file = str(jail.scratch / "kernel.json")
    c.JailedExecute.incident_log = str(incident_log)
    c.JailedExecute.cell_output_chars = jail.limits.cell_output_chars
    c.JailedExecute.total_output_chars = jail.limits.total_output_chars
    return c
