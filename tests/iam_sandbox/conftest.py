"""After each module, stop the execution environments its functions left warm.

The runtime caps live environments for the whole test process, and functions that are not invoked again still
hold theirs; stopping them keeps later modules under the cap (their own functions simply start cold).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _free_environments():
    yield
    from localaws import sandbox

    running = sandbox.current()
    if running is not None:
        running.wait_idle(timeout=10)
        running.runtime.stop_all()
