"""Deploy and invoke Lambda functions in the sandbox: the few boto3 calls every chapter and lab repeats."""

from __future__ import annotations

import base64
import importlib.metadata
import io
import json
import re
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from localaws.runtime.code import bundled_entries

DEFAULT_ROLE_NAME = "lambda-course-demo-full-access"
# Demos that are not about permissions deploy with this role. It may do anything, like an administrator's role,
# which is exactly what the security chapter and labs teach you not to give a real function.
DEMO_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# AWS publishes Powertools for AWS Lambda (Python) as a public layer under this name, in its own account
# (017000801446; https://docs.powertools.aws.dev/lambda/python/latest/#lambda-layer). The sandbox holds only the
# learner's account, so powertools_layer() publishes a layer of the same name there.
POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python312-x86_64"
POWERTOOLS_DISTRIBUTION = "aws-lambda-powertools"
_REPORT_FIELD = re.compile(r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration): ([\d.]+)")


def zip_source(files: dict[str, str | bytes] | str | Path, module: str = "app") -> bytes:
    """Build a deployment package in memory.

    `files` maps archive paths to contents; a plain string is the source of `<module>.py`; a Path is a folder
    zipped with its contents at the archive root.
    """
    if isinstance(files, str):
        files = {f"{module}.py": textwrap.dedent(files)}
    elif isinstance(files, Path):
        root = files
        files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def layer_of_installed(*distributions: str) -> bytes:
    """A layer's zip holding installed packages and all they need, under `python/`, as `pip install -t python/`
    would lay them out: what a function ships to import anything the Lambda runtime does not bundle."""
    files: dict[str, str | bytes] = {}
    for entry in bundled_entries(distributions):
        paths = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" not in path.parts:
                files[f"python/{path.relative_to(entry.parent).as_posix()}"] = path.read_bytes()
    return zip_source(files)


def powertools_layer() -> str:
    """The ARN of Powertools as a layer in this account, built from the installed copy and published once per
    version, so a function lists it in `layers` and imports `aws_lambda_powertools` as with AWS's public layer.

    The layer holds the package and what its core needs (jmespath, typing_extensions): Logger, Metrics, batch
    processing, idempotency with DynamoDB and the event data classes work; the parser (pydantic) and the tracer
    (the X-Ray SDK) are not included.
    """
    version = importlib.metadata.version(POWERTOOLS_DISTRIBUTION)
    description = f"Powertools for AWS Lambda (Python) {version}, built from the course's installed copy"
    client = boto3.client("lambda")
    for layer in client.list_layer_versions(LayerName=POWERTOOLS_LAYER_NAME)["LayerVersions"]:
        if layer.get("Description") == description:
            return str(layer["LayerVersionArn"])
    published = client.publish_layer_version(
        LayerName=POWERTOOLS_LAYER_NAME, Description=description,
        Content={"ZipFile": layer_of_installed(POWERTOOLS_DISTRIBUTION)},
        CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    return str(published["LayerVersionArn"])


def ensure_role(name: str = DEFAULT_ROLE_NAME, policy: dict | None = None, *,
                service: str = "lambda.amazonaws.com") -> str:
    """Return the ARN of a role that `service` may assume (Lambda: an execution role), creating it if needed.

    `policy` becomes the role's inline policy; the default demo role gets one that allows everything. A state
    machine's role is one Step Functions may assume: `service="states.amazonaws.com"`.
    """
    if policy is None and name == DEFAULT_ROLE_NAME:
        policy = DEMO_POLICY
    trust = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    iam = boto3.client("iam")
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(policy))
    return arn


def deploy_function(
    name: str,
    source: dict[str, str | bytes] | str | Path | bytes,
    handler: str = "app.handler",
    *,
    runtime: str = "python3.12",
    memory: int = 128,
    timeout: int = 3,
    environment: dict[str, str] | None = None,
    layers: list[str] | None = None,
    role: str | None = None,
    publish: bool = False,
) -> dict[str, Any]:
    """Create the function, or replace its code and configuration if it exists; return its configuration."""
    client = boto3.client("lambda")
    package = source if isinstance(source, bytes) else zip_source(source)
    config: dict[str, Any] = {
        "Runtime": runtime,
        "Handler": handler,
        "MemorySize": memory,
        "Timeout": timeout,
        "Environment": {"Variables": dict(environment or {})},
        "Layers": list(layers or []),
        "Role": role or ensure_role(),
    }
    try:
        client.get_function(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        return client.create_function(FunctionName=name, Code={"ZipFile": package}, Publish=publish, **config)
    client.update_function_configuration(FunctionName=name, **config)
    return client.update_function_code(FunctionName=name, ZipFile=package, Publish=publish)


@dataclass
class Invocation:
    """What one invoke returned: status, payload, error kind, and the log tail with its REPORT fields."""

    status: int
    payload: Any
    function_error: str | None
    log: str
    report: dict[str, float] = field(default_factory=dict)

    @property
    def cold(self) -> bool:
        """True when Lambda had to start a new execution environment (the REPORT line has Init Duration)."""
        return "Init Duration" in self.report


# The metrics of a JSON-format platform.report event, by the names the Text format's REPORT line gives them.
_REPORT_METRIC = {"durationMs": "Duration", "billedDurationMs": "Billed Duration", "memorySizeMB": "Memory Size",
                  "maxMemoryUsedMB": "Max Memory Used", "initDurationMs": "Init Duration"}


def _json_report(line: str) -> dict[str, float] | None:
    """The numbers of a platform.report event (a function whose LoggingConfig asks for JSON), or None."""
    try:
        event = json.loads(line)
    except ValueError:  # a plain-text line: not a JSON system event
        return None
    if not isinstance(event, dict) or event.get("type") != "platform.report":
        return None
    metrics = event.get("record", {}).get("metrics", {})
    return {_REPORT_METRIC[key]: float(value) for key, value in metrics.items() if key in _REPORT_METRIC}


def parse_report(log: str) -> dict[str, float]:
    """Read the numbers of the last REPORT line (or JSON platform.report event) in a log: Duration, Billed
    Duration, Memory Size, ..."""
    for line in reversed(log.splitlines()):
        if line.startswith("REPORT "):
            return {key: float(value) for key, value in _REPORT_FIELD.findall(line)}
        if line.startswith("{") and (numbers := _json_report(line)) is not None:
            return numbers
    return {}


def invoke(
    name: str, event: Any = None, *, qualifier: str | None = None, invocation_type: str = "RequestResponse"
) -> Invocation:
    """Invoke a function and decode its answer; the log tail is always requested."""
    client = boto3.client("lambda")
    kwargs: dict[str, Any] = {
        "FunctionName": name,
        "Payload": json.dumps({} if event is None else event).encode(),
        "InvocationType": invocation_type,
    }
    if invocation_type == "RequestResponse":
        kwargs["LogType"] = "Tail"
    if qualifier:
        kwargs["Qualifier"] = qualifier
    response = client.invoke(**kwargs)
    raw = response["Payload"].read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    log = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    return Invocation(response["StatusCode"], payload, response.get("FunctionError"), log, parse_report(log))
