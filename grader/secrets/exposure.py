"""Where a secret value shows in plain text in a deployed function: its environment variables or its code."""

from __future__ import annotations

import io
import zipfile

import boto3


def _code_files(function_name: str) -> dict[str, bytes]:
    """The files of the function's deployment package, read from the sandbox's Lambda backend.

    A package that is not a zip raises zipfile.BadZipFile: what cannot be read cannot be called clean.
    """
    from moto.awslambda.models import lambda_backends

    session = boto3.session.Session()
    account = boto3.client("sts").get_caller_identity()["Account"]
    fn = lambda_backends[account][session.region_name].get_function(function_name)
    with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
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
