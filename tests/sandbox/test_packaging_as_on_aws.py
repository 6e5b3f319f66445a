"""A function imports its own package, its layers and what the Lambda runtime bundles, nothing else.

As the Lambda Developer Guide describes it ("Working with .zip file archives for Python Lambda functions",
"Dependency search path and runtime-included libraries",
https://docs.aws.amazon.com/lambda/latest/dg/python-package.html, and "Packaging your layer content",
https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html): the deployment package comes first, then
the layers' `python/lib/python3.x/site-packages` and `python` folders, then the runtime's own libraries (the
AWS SDK for Python); anything else fails at init with `Runtime.ImportModuleError`.
"""

from __future__ import annotations

import sys

import boto3
import pytest

from lambda_course.deploy import deploy_function, invoke, layer_of_installed, zip_source
from localaws.runtime.code import BUNDLED, bundled_entries

USES_REQUESTS = "import requests\n\ndef handler(event, context):\n    return requests.__name__\n"


def publish_layer(name: str, package: bytes) -> str:
    layer = boto3.client("lambda").publish_layer_version(LayerName=name, Content={"ZipFile": package},
                                                         CompatibleRuntimes=["python3.12"])
    return layer["LayerVersionArn"]


@pytest.mark.parametrize("module", ["requests", "numpy", "moto", "lambda_course"])
def test_a_package_installed_beside_the_course_but_not_shipped_fails_as_on_aws(sb, unique, module):
    name = f"unshipped-{unique}"
    deploy_function(name, f"import {module}\n\ndef handler(event, context):\n    return 'imported'\n")
    result = invoke(name)
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"] == f"Unable to import module 'app': No module named '{module}'"


def test_the_same_package_in_a_layer_runs(sb, unique):
    name = f"layered-{unique}"
    deploy_function(name, USES_REQUESTS, layers=[publish_layer(f"requests-{unique}", layer_of_installed("requests"))])
    result = invoke(name)
    assert result.function_error is None, result.payload
    assert result.payload == "requests"


def test_a_layer_may_use_either_python_folder(sb, unique):
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    package = zip_source({"python/plain_word.py": "WORD = 'plain'\n",
                          f"python/lib/{version}/site-packages/site_word.py": "WORD = 'site'\n"})
    name = f"folders-{unique}"
    deploy_function(name, "import plain_word, site_word\n\ndef handler(event, context):\n"
                          "    return [plain_word.WORD, site_word.WORD]\n",
                    layers=[publish_layer(f"words-{unique}", package)])
    assert invoke(name).payload == ["plain", "site"]


def test_the_runtime_bundles_the_aws_sdk_and_the_package_comes_first(sb, unique):
    """boto3 comes with the runtime; a copy in the deployment package shadows it, as the guide says."""
    bundled = f"bundled-{unique}"
    deploy_function(bundled, "import boto3, json, os, sys\n\ndef handler(event, context):\n"
                             "    return [boto3.__file__, os.environ['LAMBDA_RUNTIME_DIR'], "
                             "os.environ['LAMBDA_TASK_ROOT'], sys.path, json.__file__]\n")
    sdk_file, runtime_dir, task_root, path, stdlib_file = invoke(bundled).payload
    assert sdk_file.startswith(runtime_dir + "/")
    stdlib = next(index for index, entry in enumerate(path) if stdlib_file.startswith(entry + "/") and entry)
    assert path.index(task_root) < path.index(runtime_dir) < stdlib  # package, runtime, then standard library
    shadowed = f"shadowed-{unique}"
    deploy_function(shadowed, {"app.py": "import boto3\n\ndef handler(event, context):\n    return boto3.WHO\n",
                               "boto3/__init__.py": "WHO = 'the package'\n"})
    assert invoke(shadowed).payload == "the package"


def test_what_the_runtime_bundles_is_the_sdk_and_the_runtime_client_with_their_needs():
    names = {entry.name for entry in bundled_entries()}
    assert BUNDLED == ("awslambdaric", "boto3")
    assert {"awslambdaric", "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"} <= names
    assert not names & {"requests", "moto", "numpy", "lambda_course", "localaws", "aws_lambda_powertools"}
