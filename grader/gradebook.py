"""nbgrader's gradebook without the `alembic` command: find the schema version in this process instead.

When nbgrader creates a gradebook it runs `alembic heads` as a subprocess to stamp the schema version. That
fails when the virtualenv's scripts folder is not on PATH, and costs seconds of start-up on a busy machine.
Reading the same head revision from nbgrader's migration scripts in this process gives the same answer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import nbgrader
import nbgrader.api


@cache
def alembic_head() -> str:
    """The newest revision of nbgrader's gradebook schema, read from its migration scripts."""
    from alembic.script import ScriptDirectory  # alembic (mako, pygments) only for a new gradebook: start-up time

    scripts = Path(nbgrader.__file__).parent / "alembic"
    head = ScriptDirectory(str(scripts)).get_current_head()
    if head is None:
        raise RuntimeError(f"nbgrader's migration scripts in {scripts} name no schema revision")
    return head


def use_in_process_alembic_head() -> None:
    """Make nbgrader stamp new gradebooks with `alembic_head` (idempotent)."""
    nbgrader.api.get_alembic_version = alembic_head
