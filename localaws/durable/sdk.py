"""Where a durable handler finds the durable execution SDK: in the Python runtimes that support durable functions.

Lambda Developer Guide, "Supported runtimes for durable functions"
(https://docs.aws.amazon.com/lambda/latest/dg/durable-supported-runtimes.html): durable functions run on the
python3.13 and python3.14 managed runtimes, and Lambda's Python runtimes include the durable execution SDK (AWS
recommends shipping your own copy for production, so that the version cannot change under you). The sandbox's
copies of those runtimes carry the SDK installed beside the course; other Python runtimes do not, so importing it
there fails with `Runtime.ImportModuleError` until the function ships it in its package or a layer
(`lambda_course.deploy.layer_of_installed("aws-durable-execution-sdk-python")`).
"""

from __future__ import annotations

from localaws.runtime import code

SDK_DISTRIBUTION = "aws-durable-execution-sdk-python"
DURABLE_PYTHON_RUNTIMES = ("python3.13", "python3.14")


def include_in_runtimes() -> None:
    """Make the SDK part of the durable-capable Python runtimes' own folder (idempotent)."""
    code.include_in_runtimes(DURABLE_PYTHON_RUNTIMES, SDK_DISTRIBUTION)
