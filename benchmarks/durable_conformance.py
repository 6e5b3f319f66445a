"""AWS's published conformance tests for durable execution, run against the sandbox offline: a score per suite.

Two published parts are needed, and neither ships with the course (CI cannot fetch them, so this is a script, not
a test):
- the runner and its requirement specifications, PyPI's `aws-durable-execution-conformance-tests` (its wheel
  declares Python >= 3.14, yet its modules import on 3.11: unpack it and name the folder with --runner, or install
  it where pip allows);
- the Python handlers and the SAM templates mapping them to requirement ids, the folder
  packages/aws-durable-execution-sdk-python-conformance-tests of the SDK's repository (--handlers).

Each suite's template is deployed the way SAM would make it, through the Lambda, IAM and DynamoDB APIs: one zip of
the handler folders (as the package's build lays them out), Globals merged into every function, DurableConfig,
timeouts, environment and roles as written. CloudFormation is left out (the resources are made through the APIs
directly), so the runner's two CloudFormation look-ups (logical id to function name) are answered from the
deployment instead. The durable SDK comes from the Python runtime, as the sandbox supplies it to
python3.13 functions, unless --sdk-src ships a copy in the zip as the package's own build does. Every requirement is
then checked by the runner's own code (`validate.validate_description`: invoke with the requirement's Input, read
the history with boto3, compare), which talks to the sandbox because boto3 does once it runs.

Run: .venv/bin/python benchmarks/durable_conformance.py --handlers PATH --runner PATH [--suite NAME] [--verbose]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError

from lambda_course import sandbox

RUNNER = "aws_durable_execution_conformance_tests"
FUNCTION = "AWS::Serverless::Function"
MAX_NAME = 64  # Lambda's and IAM's longest name: the API refuses more


# --- the runner's modules -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Runner:
    """The published runner's modules this script calls: it reuses their checks and adds only the glue."""

    config: ModuleType
    validate: ModuleType
    sam: ModuleType
    clients: ModuleType


def load_runner(folder: Path | None) -> Runner:
    """Import the runner from `folder` (an unpacked wheel), or from the environment when no folder is given."""
    if folder is not None:
        sys.path.insert(0, str(folder.resolve()))
    try:
        modules = [importlib.import_module(f"{RUNNER}.{name}") for name in ("config", "validate", "sam", "clients")]
    except ImportError as error:
        raise SystemExit(f"Cannot import the conformance runner ({error}). Unpack the wheel of "
                         f"aws-durable-execution-conformance-tests and pass its folder with --runner.") from error
    return Runner(*modules)


# --- the SAM templates ----------------------------------------------------------------------------------------------

class TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Sub, !GetAtt, !Ref) read as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """`!GetAtt A.Arn` as {"Fn::GetAtt": ["A", "Arn"]}, `!Ref X` as {"Ref": "X"}, and so on."""
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


TemplateLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Suite:
    """One suite: its name, its template, and the requirement files the runner holds for it."""

    name: str
    template: Path
    requirements: dict[str, str]  # requirement id -> its YAML file

    def resources(self) -> dict[str, Any]:
        """The template's resources, each function given the template's Globals as SAM merges them."""
        document = yaml.load(self.template.read_text(), Loader=TemplateLoader)
        globals_ = (document.get("Globals") or {}).get("Function") or {}
        resources: dict[str, Any] = document.get("Resources") or {}
        for body in resources.values():
            if body.get("Type") == FUNCTION:
                body["Properties"] = {**globals_, **(body.get("Properties") or {})}
        return resources


def find_suites(runner: Runner, handlers: Path, only: str | None) -> list[Suite]:
    """The runner's suites (all, or `only`), each with the handlers package's template for it (which may lack)."""
    names = runner.validate.discover_suites(runner.config.TESTS_DIR)
    if only is not None and only not in names:
        raise SystemExit(f"No suite {only!r} in the runner's requirements; it has: {', '.join(names)}.")
    return [Suite(name, handlers / f"template_{name}.yaml",
                  runner.validate.discover_test_files(runner.config.TESTS_DIR, name))
            for name in names if only in (None, name)]


# --- deployment into the sandbox ------------------------------------------------------------------------------------

def package(handlers: Path, sdk_src: Path | None) -> bytes:
    """The zip every function runs: each handlers/<suite>/ folder at the root (and the SDK, when one is given)."""
    folders = [(folder, folder.name) for folder in sorted((handlers / "handlers").iterdir()) if folder.is_dir()]
    if sdk_src is not None:
        folders.append((sdk_src, "aws_durable_execution_sdk_python"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, prefix in folders:
            for path in sorted(folder.rglob("*.py")):
                if "__pycache__" not in path.parts:
                    archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


@dataclass
class Deployment:
    """One suite's resources made in the sandbox: logical id -> physical name and ARN."""

    suite: str
    names: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # logical id -> why the sandbox refused it

    def physical(self, logical: str) -> str:
        """The name a resource gets: the suite's name before the logical id, as a stack's prefix would be."""
        return f"conformance-{self.suite}-{logical}"[:MAX_NAME]

    def resolve(self, value: Any) -> Any:
        """A property with its Ref, Fn::GetAtt and Fn::Sub replaced by what this deployment made."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.names[value["Ref"]]
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            if attribute != "Arn":
                raise ValueError(f"Fn::GetAtt {logical}.{attribute}: only Arn is resolved here")
            return self.arns[logical]
        if "Fn::Sub" in value:
            return self._sub(str(value["Fn::Sub"]))
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, text: str) -> str:
        """Fn::Sub over `${Logical.Arn}` and `${Logical}`; `$LATEST` has no braces and stays as written."""
        for logical, arn in self.arns.items():
            text = text.replace(f"${{{logical}.Arn}}", arn)
        for logical, name in self.names.items():
            text = text.replace(f"${{{logical}}}", name)
        if "${" in text:
            raise ValueError(f"Fn::Sub refers to something this deployment did not make: {text}")
        return text


def make_table(deployment: Deployment, logical: str, props: dict[str, Any]) -> None:
    """AWS::DynamoDB::Table through DynamoDB's API."""
    name = deployment.physical(logical)
    made = boto3.client("dynamodb").create_table(
        TableName=name, AttributeDefinitions=props["AttributeDefinitions"], KeySchema=props["KeySchema"],
        BillingMode=props.get("BillingMode", "PROVISIONED"))
    deployment.names[logical], deployment.arns[logical] = name, made["TableDescription"]["TableArn"]


def make_role(deployment: Deployment, logical: str, props: dict[str, Any]) -> None:
    """AWS::IAM::Role through IAM's API: trust policy, managed policies and inline policies as written."""
    iam, name = boto3.client("iam"), deployment.physical(logical)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]))
    for policy in props.get("ManagedPolicyArns") or []:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    for policy in props.get("Policies") or []:
        iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"],
                            PolicyDocument=json.dumps(deployment.resolve(policy["PolicyDocument"])))
    deployment.names[logical], deployment.arns[logical] = name, arn["Role"]["Arn"]


FUNCTION_PROPERTIES = ("Runtime", "Handler", "Description", "Timeout", "MemorySize", "Environment",
                       "LoggingConfig", "DurableConfig", "TenancyConfig")


def make_function(deployment: Deployment, logical: str, props: dict[str, Any], code: bytes) -> None:
    """AWS::Serverless::Function as the Lambda function SAM makes of it, with the package's zip as its code."""
    name = deployment.physical(logical)
    spec = {key: deployment.resolve(props[key]) for key in FUNCTION_PROPERTIES if key in props}
    made = boto3.client("lambda").create_function(FunctionName=name, Role=deployment.resolve(props["Role"]),
                                                  Code={"ZipFile": code}, **spec)
    deployment.names[logical], deployment.arns[logical] = name, made["FunctionArn"]


def deploy(suite: Suite, code: bytes) -> Deployment:
    """Make the suite's tables and roles, then its functions (those others refer to first)."""
    deployment, resources = Deployment(suite.name), suite.resources()
    makers = {"AWS::DynamoDB::Table": make_table, "AWS::IAM::Role": make_role}
    for kind in ("AWS::DynamoDB::Table", "AWS::IAM::Role"):  # roles refer to tables
        for logical, body in resources.items():
            if body["Type"] == kind:
                makers[kind](deployment, logical, body.get("Properties") or {})
    functions = {logical: body["Properties"] for logical, body in resources.items() if body["Type"] == FUNCTION}
    for logical in sorted(functions, key=lambda logical: not _referred_to(logical, functions)):
        try:
            make_function(deployment, logical, functions[logical], code)
        except (ClientError, BotoCoreError, KeyError, ValueError) as error:  # a refusal is reported, then skipped
            deployment.refused[logical] = f"{type(error).__name__}: {error}"
    return deployment


def _referred_to(logical: str, functions: dict[str, Any]) -> bool:
    """Whether another function's properties name `logical` (it must exist first, for its ARN)."""
    return any(f"${{{logical}." in json.dumps(props) for props in functions.values())


class StackStandIn:
    """The two CloudFormation calls the runner makes (list_stack_resources, describe_stack_resource), answered
    from the deployment, since the functions were made through Lambda's API rather than a stack."""

    def __init__(self, deployment: Deployment, functions: list[str]) -> None:
        self._names = {logical: deployment.names[logical] for logical in functions if logical in deployment.names}

    def get_paginator(self, operation: str) -> StackStandIn:
        if operation != "list_stack_resources":
            raise NotImplementedError(operation)
        return self

    def paginate(self, StackName: str) -> Iterator[dict[str, Any]]:  # boto3's parameter names
        yield {"StackResourceSummaries": [
            {"LogicalResourceId": logical, "PhysicalResourceId": name, "ResourceType": "AWS::Lambda::Function"}
            for logical, name in self._names.items()]}

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:
        return {"StackResourceDetail": {"PhysicalResourceId": self._names.get(LogicalResourceId, "")}}


# --- running and scoring --------------------------------------------------------------------------------------------

@dataclass
class SuiteScore:
    """What one suite gave: each requirement run with its errors (none: passed), and those skipped with why."""

    suite: str
    results: dict[str, list[str]] = field(default_factory=dict)
    optional: set[str] = field(default_factory=set)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(1 for errors in self.results.values() if not errors)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


def skip_all(suite: Suite, why: str) -> SuiteScore:
    """Every requirement of the suite skipped for one reason."""
    return SuiteScore(suite.name, skipped={requirement: why for requirement in suite.requirements})


def run_suite(runner: Runner, suite: Suite, code: bytes, options: argparse.Namespace) -> SuiteScore:
    """Deploy the suite, check each requirement its template maps with the runner's code, and note the rest."""
    if not suite.template.is_file():
        return skip_all(suite, f"the handlers package has no {suite.template.name}")
    try:
        deployment = deploy(suite, code)
    except (ClientError, BotoCoreError, KeyError, ValueError) as error:
        return skip_all(suite, f"the sandbox refused the suite's roles or tables: {error}")
    mapped = [(fn, rid) for fn, rid in runner.validate.parse_function_descriptions(str(suite.template))
              if rid in suite.requirements]
    score = SuiteScore(suite.name)
    declared = runner.validate.parse_not_implemented(str(suite.template))
    for requirement in sorted(set(suite.requirements) - {rid for _, rid in mapped}):
        reason = declared.get(requirement)
        score.skipped[requirement] = f"declared not implemented: {reason}" if reason is not None else \
            "no function in the template maps it"
    for fn, requirement in mapped:
        if fn in deployment.refused:
            score.skipped[requirement] = f"the sandbox refused to create {fn}: {deployment.refused[fn]}"
    runnable = [(fn, rid) for fn, rid in mapped if fn not in deployment.refused]
    stack = StackStandIn(deployment, [fn for fn, _ in runnable])
    for requirement, result in validate_all(runner, suite, runnable, stack, options):
        score.results[requirement] = list(result.errors) if not result.passed else []
        if result.optional:
            score.optional.add(requirement)
    return score


def validate_all(runner: Runner, suite: Suite, runnable: list[tuple[str, str]], stack: StackStandIn,
                 options: argparse.Namespace) -> list[tuple[str, Any]]:
    """The runner's validate_description for each (function, requirement), `options.workers` at a time."""
    region = boto3.session.Session().region_name
    lambda_client = boto3.client("lambda", config=runner.clients.AWS_CLIENT_CONFIG)
    clients = runner.clients.AwsClients(MappingProxyType(
        {"lambda": lambda_client, "cloudformation": stack, "logs": boto3.client("logs")}))
    invoker = runner.sam.Invoker(stack_name=f"{runner.config.STACK_NAME_PREFIX}-{suite.name}", region=region,
                                 lambda_client=lambda_client, cfn_client=stack)
    history = Path(options.history_dir) / suite.name

    def one(pair: tuple[str, str]) -> tuple[str, Any]:
        fn, requirement = pair
        with tempfile.TemporaryDirectory(prefix="conformance-") as events:
            return requirement, runner.validate.validate_description(
                fn, requirement, suite.requirements[requirement], invoker, events, region=region,
                aws_clients=clients, output_dir=str(history))

    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        return list(pool.map(one, runnable))


# --- the report -----------------------------------------------------------------------------------------------------

def table(scores: list[SuiteScore]) -> str:
    """One row per suite (requirements run, passed, failed, skipped) and the total score."""
    rows = [f"{'suite':<20}{'run':>6}{'passed':>8}{'failed':>8}{'skipped':>9}"]
    for score in scores:
        optional = sum(1 for rid in score.optional if score.results.get(rid))
        note = f"   ({optional} of the failed optional)" if optional else ""
        rows.append(_row(score.suite, len(score.results), score.passed, len(score.skipped)) + note)
    run = sum(len(score.results) for score in scores)
    passed = sum(score.passed for score in scores)
    skipped = sum(len(score.skipped) for score in scores)
    rows.append(_row("total", run, passed, skipped))
    rows.append(f"score: {passed}/{run} of the requirements run passed; {passed}/{run + skipped} of all requirements")
    return "\n".join(rows)


def _row(name: str, run: int, passed: int, skipped: int) -> str:
    return f"{name:<20}{run:>6}{passed:>8}{run - passed:>8}{skipped:>9}"


def details(scores: list[SuiteScore], verbose: bool) -> str:
    """Why each skipped requirement was skipped (grouped), and with `verbose` each failure's first difference."""
    lines: list[str] = []
    for score in scores:
        reasons: dict[str, list[str]] = {}
        for requirement, why in sorted(score.skipped.items(), key=lambda item: _order(item[0])):
            reasons.setdefault(why, []).append(requirement)
        lines += [f"{score.suite}: skipped {', '.join(ids)}: {why}" for why, ids in reasons.items()]
        if verbose:
            for requirement in sorted(score.results, key=_order):
                errors = score.results[requirement]
                if errors:
                    tag = " (optional)" if requirement in score.optional else ""
                    lines.append(f"{score.suite}: {requirement} FAILED{tag}: {errors[0]}")
    return "\n".join(lines)


def _order(requirement: str) -> tuple[int, ...]:
    """'5-10' after '5-9'."""
    return tuple(int(part) for part in requirement.split("-") if part.isdigit())


# --- the command ----------------------------------------------------------------------------------------------------

def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--handlers", type=Path, required=True,
                        help="the folder aws-durable-execution-sdk-python-conformance-tests (templates, handlers/)")
    parser.add_argument("--runner", type=Path, default=None,
                        help="an unpacked wheel of aws-durable-execution-conformance-tests (default: installed)")
    parser.add_argument("--suite", default=None, help="run one suite only (default: every suite)")
    parser.add_argument("--sdk-src", type=Path, default=None,
                        help="ship this aws_durable_execution_sdk_python folder in the zip (default: the runtime's)")
    parser.add_argument("--workers", type=int, default=None, help="requirements checked at once")
    parser.add_argument("--history-dir", default=None, help="keep each execution's history and the runner's log here")
    parser.add_argument("--verbose", action="store_true", help="print each failure's first difference")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    if not (options.handlers / "handlers").is_dir():
        raise SystemExit(f"{options.handlers} has no handlers/ folder: pass the conformance-tests package folder.")
    runner = load_runner(options.runner)
    options.workers = options.workers or runner.config.DEFAULT_MAX_WORKERS
    options.history_dir = options.history_dir or tempfile.mkdtemp(prefix="durable-conformance-")
    suites = find_suites(runner, options.handlers, options.suite)
    sandbox.start()
    code = package(options.handlers, options.sdk_src)
    Path(options.history_dir).mkdir(parents=True, exist_ok=True)
    log = Path(options.history_dir) / "runner.log"
    with log.open("w") as chatter, contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
        scores = []
        for suite in suites:
            print(f"suite {suite.name}: {len(suite.requirements)} requirements", file=sys.__stderr__, flush=True)
            scores.append(run_suite(runner, suite, code, options))
    print(table(scores))
    explained = details(scores, options.verbose)
    if explained:
        print(explained)
    print(f"(histories and the runner's own output: {options.history_dir})")


if __name__ == "__main__":
    main()
