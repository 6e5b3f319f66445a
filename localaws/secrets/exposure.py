"""Where a secret value shows in plain text in a deployed function: its environment variables or its code."""

from __future__ import annotations

import io
import zipfile

import boto3


def _code_files(package: bytes) -> dict[str, bytes]:
    """The files of a deployment package; zipfile.BadZipFile when it is not a zip (unreadable is not clean)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def exposures(function_name: str, values: list[str], package: bytes) -> list[str]:
    """Each place where one of `values` appears in plain text, e.g. 'environment variable DB_PASSWORD'.

    `package` is the function's deployment package as the sandbox stores it (`sb.function_code(name)`).
    """
    wanted = [v for v in values if v]
    found: list[str] = []
    config = boto3.client("lambda").get_function_configuration(FunctionName=function_name)
    for name, text in config.get("Environment", {}).get("Variables", {}).items():
        if any(v in text for v in wanted):
            found.append(f"environment variable {name}")
    for path, content in _code_files(package).items():
        if any(v.encode() in content for v in wanted):
            found.append(f"file {path} in the code package")
    return found
