"""A throwaway temporary folder for the kernels that run lab notebooks, removed when they are done.

Kernels are stopped at once after their last cell (a graceful shutdown of a kernel that started the sandbox
takes seconds). The sandbox's execution environments exit by themselves when the kernel goes, but its
temporary files would stay behind; pointing the kernel's TMPDIR here lets them be removed with this folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def kernel_tmpdir() -> Iterator[Path]:
    """Give kernels started inside the block their own TMPDIR, and delete it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="lab-kernel-"))
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved
        shutil.rmtree(folder, ignore_errors=True)
