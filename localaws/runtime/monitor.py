"""Watch one execution environment's process while it works: memory against its limit, CPU against its share.

Lambda gives a function CPU in proportion to its memory size. The sandbox enforces that share the way
`cpulimit` does: when the handler has used more CPU time than its share of the elapsed time, its process group
is paused (SIGSTOP) until the share catches up, then resumed (SIGCONT). A handler that mostly waits is never
paused; a CPU-bound one runs slower at small memory sizes, as on Lambda.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")
INTERVAL_S = 0.005


def resident_bytes(pid: int) -> int:
    """Current resident memory of a process, or 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def peak_resident_bytes(pid: int) -> int:
    """Peak resident memory (VmHWM) of a process over its life, or 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


class Monitor:
    """Runs during one invocation; calls `on_memory_exceeded` once if the process goes over its limit."""

    def __init__(
        self, pid: int, memory_limit_bytes: int, cpu_share: float, on_memory_exceeded: Callable[[], None]
    ) -> None:
        self.pid, self.limit, self.share = pid, memory_limit_bytes, cpu_share
        self._on_memory_exceeded = on_memory_exceeded
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"monitor-{pid}", daemon=True)

    def __enter__(self) -> Monitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        start_wall, start_cpu = time.perf_counter(), cpu_seconds(self.pid)
        while not self._stop.wait(INTERVAL_S):
            if resident_bytes(self.pid) > self.limit:
                self._on_memory_exceeded()
                return
            if self.share < 1.0:
                self._throttle(start_wall, start_cpu)

    def _throttle(self, start_wall: float, start_cpu: float) -> None:
        used = cpu_seconds(self.pid) - start_cpu
        due = start_wall + used / self.share  # when the share will have earned the CPU already used
        pause = due - time.perf_counter()
        if pause <= INTERVAL_S:
            return
        try:
            os.killpg(self.pid, signal.SIGSTOP)
            self._stop.wait(pause)
        except ProcessLookupError:
            return
        finally:
            try:
                os.killpg(self.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
