"""Unpack a function's deployment package and its layers where its execution environments can load them."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

_lock = threading.Lock()


class CodeError(Exception):
    """The function's package or layers cannot be used; the message says what to fix."""


def _extract_once(target: Path, archives: list[bytes]) -> Path:
    """Extract archives in order into target (later ones win, as with layers in /opt), once per content."""
    with _lock:
        if not target.exists():
            staging = target.with_name(target.name + ".partial")
            staging.mkdir(parents=True, exist_ok=True)
            for data in archives:
                try:
                    zipfile.ZipFile(io.BytesIO(data)).extractall(staging)
                except zipfile.BadZipFile as error:
                    raise CodeError(f"The deployment package is not a valid zip file ({error}).") from error
            staging.rename(target)
    return target


def task_root(cache: Path, fn: Any) -> Path:
    """The folder with the function's own code (Lambda's LAMBDA_TASK_ROOT, /var/task)."""
    code: bytes = getattr(fn, "code_bytes", b"") or b""
    if not code:
        raise CodeError("The function has no code: give a ZipFile or an S3 location when you create it.")
    return _extract_once(cache / "code" / hashlib.sha256(code).hexdigest(), [code])


def layers_root(cache: Path, fn: Any, backend: Any) -> Path | None:
    """The folder standing in for /opt: the function's layers extracted in order, or None without layers."""
    arns = [layer["Arn"] for layer in getattr(fn, "layers", []) or []]
    if not arns:
        return None
    archives = []
    for arn in arns:
        layer = backend.layers_versions_by_arn(arn)
        if layer is None or not layer.code_bytes:
            raise CodeError(f"Layer {arn} has no content in the sandbox; publish it with a zip first.")
        archives.append(layer.code_bytes)
    return _extract_once(cache / "opt" / hashlib.sha256("\n".join(arns).encode()).hexdigest(), archives)


def python_path(task: Path, opt: Path | None) -> list[str]:
    """Import path order of Lambda's Python runtime: the task root, then the layers' python folders."""
    paths = [str(task)]
    if opt is not None:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        paths += [str(opt / "python"), str(opt / "python" / "lib" / version / "site-packages")]
    return paths
