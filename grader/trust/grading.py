"""Grade one submission in a jail: nbgrader's autograde with its kernel jailed and its tests judged outside."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

from nbgrader.converters import Autograde
from traitlets.config import Config

from grader.course import settings
from grader.runner import run_converter
from grader.trust import forkserver
from grader.trust.companion import companion_in
from grader.trust.jail import Jail, Limits
from grader.trust.kernel import jailed_config

DESCRIBE = {
    "timeout": "a cell ran too long and was stopped",
    "kernel-died": "the notebook's kernel stopped (it exited, crashed or was killed)",
    "output-truncated": "output was cut to the grader's limit",
    "memory": "a cell ran out of memory",
    "wall-time": "the whole notebook ran past the time limit and was stopped",
}


def autograde_in_jail(config: Config, lab_id: str, learner: str, folder: Path, hidden: list[Path],
                      limits: Limits | None = None) -> list[str]:
    """Run nbgrader's autograde for one learner, its kernel in a fresh jail; what went wrong, if anything."""
    course = settings(config)
    with forkserver.jail(hidden, limits, course=course) as jail:
        for item in folder.iterdir():  # the kernel works on its own copy of the submission's folder
            copy = shutil.copytree if item.is_dir() else shutil.copy2
            copy(item, jail.scratch / item.name)
        log = jail.control / "incidents.jsonl"
        watchdog = threading.Timer(jail.limits.wall_s, _out_of_time, args=(jail, log))
        watchdog.start()
        try:
            with companion_in(jail, course) as offered:  # the course's program beside the kernel, if any
                run_converter(Autograde, jailed_config(config, jail, log, offered), lab_id, learner, force=True,
                              create_student=True)
        finally:
            watchdog.cancel()
        return describe_incidents(log)


def _out_of_time(jail: Jail, log: Path) -> None:
    with log.open("a") as handle:
        entry = {"kind": "wall-time", "cell": None, "detail": f"{jail.limits.wall_s} s"}
        handle.write(json.dumps(entry) + "\n")
    jail.kill()


def describe_incidents(log: Path) -> list[str]:
    """One line per distinct incident in the log, in the order they happened."""
    if not log.exists():
        return []
    lines: list[str] = []
    for raw in log.read_text().splitlines():
        entry = json.loads(raw)
        where = f" (cell {entry['cell'] + 1})" if entry.get("cell") is not None else ""
        line = f"{entry['kind']}{where}: {DESCRIBE.get(entry['kind'], '')}; {entry.get('detail', '')}".strip()
        if line not in lines:
            lines.append(line)
    return lines
