"""What a function's execution environments can import: its package, its layers and what the runtime bundles.

As on AWS (Lambda Developer Guide, "Working with .zip file archives for Python Lambda functions", section
"Dependency search path and runtime-included libraries": https://docs.aws.amazon.com/lambda/latest/dg/python-package.html),
a handler finds modules in its deployment package first, then in its layers' `python` folders, then in the
runtime's own folder, which holds the runtime interface client and the AWS SDK for Python, and then in the
standard library. Nothing else installed beside the course reaches a handler: importing it fails with
`Runtime.ImportModuleError`, as it would on Lambda, until the function ships it in its package or a layer.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# What AWS's Python runtimes carry besides the standard library: the runtime interface client and the AWS SDK
# (with what each needs to run).
BUNDLED = ("awslambdaric", "boto3")
# What some runtimes carry beyond BUNDLED, by runtime name (filled by the services that need it: localaws.durable).
RUNTIME_INCLUDES: dict[str, tuple[str, ...]] = {}

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


def python_path(task: Path, opt: Path | None, runtime: Path) -> list[str]:
    """Import path order of Lambda's Python runtime: the task root, the layers' folders, then the runtime's own
    folder (LAMBDA_RUNTIME_DIR, always last: code.python_path's callers rely on it)."""
    paths = [str(task)]
    if opt is not None:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        paths += [str(opt / "python" / "lib" / version / "site-packages"), str(opt / "python")]
    return [*paths, str(runtime)]


def include_in_runtimes(runtimes: tuple[str, ...], *distributions: str) -> None:
    """Have the named runtimes' folders carry `distributions` too, as AWS's runtimes of those names do."""
    for runtime in runtimes:
        RUNTIME_INCLUDES[runtime] = tuple(dict.fromkeys(RUNTIME_INCLUDES.get(runtime, ()) + distributions))


def runtime_dir(cache: Path, runtime: str = "") -> Path:
    """The folder standing in for /var/runtime: links to what the runtime bundles, as installed here."""
    extras = RUNTIME_INCLUDES.get(runtime, ())
    target = cache / (f"runtime-{runtime}" if extras else "runtime")
    with _lock:
        if not target.exists():
            staging = target.with_name(target.name + ".partial")
            staging.mkdir(parents=True, exist_ok=True)
            for entry in bundled_entries(BUNDLED + extras):
                link = staging / entry.name
                if not link.exists():
                    link.symlink_to(entry)
            staging.rename(target)
    return target


def bundled_entries(roots: tuple[str, ...] = BUNDLED) -> list[Path]:
    """The top-level files and folders of the distributions in `roots` and of all they require to run."""
    entries: set[Path] = set()
    pending, seen = list(roots), set()
    while pending:
        name = canonicalize_name(pending.pop())
        if name in seen:
            continue
        seen.add(name)
        dist = importlib.metadata.distribution(name)
        pending += [req.name for req in map(Requirement, dist.requires or []) if _needed(req)]
        for file in dist.files or []:
            top = file.parts[0]
            if top not in ("..", "__pycache__") and not top.endswith(".pth"):
                entries.add(Path(str(dist.locate_file(top))))
    return sorted(entries)


def _needed(requirement: Requirement) -> bool:
    """A requirement without extras that holds on this Python (an extra's requirements are not installed)."""
    return requirement.marker is None or requirement.marker.evaluate({"extra": ""})
