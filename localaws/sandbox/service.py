"""The sandbox as a program of its own, for a graded notebook: `python -m localaws.sandbox.service FOLDER UID`.

While a lab is graded, the learner's kernel must not hold the sandbox whose state the judge reads: code in
the kernel could patch what it answers. The grader starts this program in the learner's jail before the
kernel; it runs the sandbox (moto, the Lambda runtime, API Gateway's data plane) and offers it in FOLDER:
the AWS API and the data plane to anyone in the jail, the judge's controls only to the grader's own user
(`JUDGE_UID`, checked on the socket), and a few harmless ones (waiting for background work, the hybrid lab's
stand-in services) to the notebook. The process is made non-dumpable, so neither the kernel nor the handlers
it runs (learner code, under the same user) can read or write its memory. It runs until the jail ends.
"""

from __future__ import annotations

import ctypes
import signal
import sys
import threading
from pathlib import Path

from localaws import sandbox

PR_SET_DUMPABLE = 4


def not_dumpable() -> None:
    """Keep other processes of this user (learner code) from tracing this one or reading its memory."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def main(folder: Path, judge_uid: int) -> None:
    """Run the sandbox for a graded notebook until this program is stopped."""
    not_dumpable()
    running = sandbox.start(offer_to=folder, judge_uid=judge_uid)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    running.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
