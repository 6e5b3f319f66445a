"""Where a secret value shows in plain text in a deployed function: its environment variables or its code."""

from __future__ import annotations

import io
import zipfile

import boto3


class PackageUnavailable(RuntimeError):
    """The function's package could not be read: no sandbox, or the sandbox has no such function."""


def _code_files(function_name: str) -> dict[str, bytes]:
    """The files of the function's deployment package, as the running sandbox stores it.

    A package that is not a zip raises zipfile.BadZipFile: what cannot be read cannot be called clean.
    """
    from moto.core.exceptions import JsonRESTError

    from localaws import sandbox
    from localaws.sandbox.remote import RemoteError

    running = sandbox.current()
    if running is None:
        raise PackageUnavailable("no sandbox is running, so the function's package cannot be read")
    try:
        package = running.function_code(function_name)
    except (JsonRESTError, RemoteError) as error:  # the in-process sandbox's or the exported one's not-found
        raise PackageUnavailable(str(error)) from None
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def exposures(function_name: str, values: list[str]) -> list[str]:
    """Each place where one of `values` appears in plain text, e.g. 'environment variable DB_PASSWORD'."""
    wanted = [v for v in values if v]
    found: list[str] = []
    config = boto3.client("lambda").get_function_configuration(FunctionName=function_name)
    for name, text in config.get("Environment", {}).get("Variables", {}).items():
        if any(v in text for v in wanted):
            found.append(f"environment variable {name}")
    for path, content in _code_files(function_name).items():
        if any(v.encode() in content for v in wanted):
            found.append(f"file {path} in the code package")
    return found
