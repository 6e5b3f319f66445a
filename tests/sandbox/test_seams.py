"""The registry of moto seams: checked at start, complete, and the only way localaws/ changes moto."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
import tomllib
import types
from pathlib import Path

import boto3
import pytest
from packaging.requirements import Requirement

from localaws import seams

ROOT = Path(__file__).resolve().parents[2]
LOCALAWS = ROOT / "localaws"
COURSE = ROOT / "lambda_course"
MUTATORS = {"setdefault", "update", "append", "extend", "insert", "pop", "popitem", "clear", "add", "remove",
            "discard", "__setitem__", "__delitem__"}


def _start_sandbox_after(code: str) -> subprocess.CompletedProcess:
    """Run `code`, then sandbox.start(), in a fresh interpreter."""
    script = textwrap.dedent(code) + "\nfrom localaws import sandbox\nsandbox.start()\nprint('started')\n"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_every_declared_seam_matches_the_installed_moto():
    assert seams.problems() == []


def test_the_supported_range_is_the_one_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (moto,) = [Requirement(dep) for dep in project["dependencies"] if Requirement(dep).name == "moto"]
    assert moto.specifier == seams.MOTO_SUPPORTED


def test_start_refuses_a_moto_whose_patched_method_takes_other_parameters():
    done = _start_sandbox_after("""
        from moto.awslambda.models import LambdaFunction
        def invoke(self, payload, headers):
            return b""
        LambdaFunction.invoke = invoke
    """)
    assert done.returncode != 0 and "started" not in done.stdout
    assert "SeamMismatch: The sandbox cannot start on moto 5.2." in done.stderr
    assert "moto.awslambda.models:LambdaFunction.invoke takes (self, payload, headers), expected (self, body, " \
           "request_headers, response_headers)" in done.stderr
    assert "make install" in done.stderr


def test_start_refuses_a_moto_outside_the_supported_range():
    done = _start_sandbox_after("import moto\nmoto.__version__ = '5.3.0'")
    assert done.returncode != 0 and "started" not in done.stdout
    assert "moto 5.3.0 is outside the supported range" in done.stderr


def test_every_mismatch_is_listed_in_one_message(monkeypatch):
    broken = (
        seams.Seam("moto.sqs.models:Queue.add_message", markers=("send_sqs_batch", "no_such_code_in_moto")),
        seams.Seam("moto.sqs.models:Queue.no_such_method"),
        seams.Seam("moto.awslambda.responses:LambdaResponse.invoke", seams.ADD),
        seams.Seam("moto.no_such_module:thing", seams.RELY),
    )
    monkeypatch.setattr(seams, "SEAMS", broken)
    monkeypatch.setattr(seams, "_verified", [])
    with pytest.raises(seams.SeamMismatch) as raised:
        seams.verify()
    text = str(raised.value)
    assert "moto.sqs.models:Queue.add_message no longer contains 'no_such_code_in_moto'" in text
    assert "moto.sqs.models:Queue.no_such_method is gone" in text
    assert "LambdaResponse.invoke: moto has its own now" in text
    assert "moto.no_such_module:thing: No module named 'moto.no_such_module'" in text
    assert len(text.splitlines()) == 6  # the heading, four mismatches, and what to install


def test_an_on_demand_service_is_checked_when_first_used_not_at_start(monkeypatch):
    broken = (seams.Seam("moto.cloudformation.parsing:no_such_function"),
              seams.Seam("moto.sqs.models:Queue.add_message", seams.RELY))
    monkeypatch.setattr(seams, "SEAMS", broken)
    monkeypatch.setattr(seams, "_verified", [])
    monkeypatch.setattr(seams, "_verified_services", set())
    seams.verify()  # the sandbox starts: CloudFormation's seams wait for its first call
    assert seams.problems() == ["moto.cloudformation.parsing:no_such_function is gone"]
    with pytest.raises(seams.SeamMismatch) as raised:
        seams.verify_service("moto.cloudformation")
    assert "The sandbox's cloudformation support cannot start" in str(raised.value)
    assert "no_such_function is gone" in str(raised.value)
    seams.verify_service("moto.stepfunctions")  # nothing of Step Functions is broken here


def test_only_declared_attributes_can_be_patched():
    with pytest.raises(KeyError, match="not declared"):
        seams.patch("moto.sqs.models:Queue.delete_message", lambda *args: None)
    with pytest.raises(KeyError, match="declared as rely"):
        seams.patch("moto.core.request:determine_request_protocol", lambda *args: None)


def test_patch_keeps_the_original_and_restore_gives_it_back(monkeypatch):
    module = types.ModuleType("seam_example")

    class Owner:
        def method(self, value):
            return f"own {value}"

    module.Owner = Owner
    monkeypatch.setitem(sys.modules, "seam_example", module)
    monkeypatch.setattr(seams, "SEAMS", (seams.Seam("seam_example:Owner.method", signatures=(("self", "value"),)),
                                         seams.Seam("seam_example:Owner.extra", seams.ADD)))
    own = Owner.method
    seams.patch("seam_example:Owner.method", lambda self, value: f"ours {value}")
    seams.patch("seam_example:Owner.extra", lambda self: "added")
    assert Owner().method(1) == "ours 1" and Owner().extra() == "added"
    assert seams.original("seam_example:Owner.method") is own
    assert seams.problems() == []  # checked against moto's own method, not the replacement
    seams.restore("seam_example:Owner.method")
    seams.restore("seam_example:Owner.extra")
    assert Owner().method(1) == "own 1" and not hasattr(Owner, "extra")
    assert not seams.is_patched("seam_example:Owner.method")


def _moto_names(tree: ast.AST) -> set[str]:
    """The names a module binds to moto's modules or objects."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names
                         if alias.name.split(".")[0] == "moto")
    return names


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _changes_to_moto(path: Path, root: Path = ROOT) -> list[str]:
    """Lines of `path` that assign to, set on, or mutate something reached from a moto import."""
    tree = ast.parse(path.read_text())
    moto = _moto_names(tree)
    found = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) or isinstance(node, ast.Delete):
            targets = node.targets if isinstance(node, ast.Delete) else [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            targets = node.args[:1]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            targets = [node.func.value] if isinstance(node.func.value, ast.Attribute | ast.Subscript) else []
        for target in targets:
            if isinstance(target, ast.Attribute | ast.Subscript) and _root(target) in moto:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_the_static_check_sees_a_patch(tmp_path):
    module = tmp_path / "patching.py"
    module.write_text("from moto.sqs import models\nfrom moto.awslambda import urls\n\n"
                      "def install():\n    models.Queue.add_message = None\n    urls.url_paths.setdefault('x', 1)\n"
                      "    setattr(models.Queue, 'y', 2)\n")
    assert _changes_to_moto(module, tmp_path) == ["patching.py:5", "patching.py:6", "patching.py:7"]


def test_code_in_localaws_changes_moto_only_through_the_registry():
    registry = LOCALAWS / "seams.py"
    found = [line for path in sorted(LOCALAWS.rglob("*.py")) if path != registry for line in _changes_to_moto(path)]
    assert found == []


def test_every_name_localaws_imports_from_moto_is_declared():
    undeclared = set()
    for path in LOCALAWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "moto":
                undeclared |= {f"{node.module}.{alias.name}" for alias in node.names
                               if alias.name not in seams.RELIED_ON.get(node.module, ())}
    assert undeclared == set()


def test_the_course_reaches_moto_only_through_localaws():
    found = [f"{path.relative_to(ROOT)}: {name}" for path in sorted(COURSE.rglob("*.py"))
             for name in sorted(_moto_names(ast.parse(path.read_text())))]
    assert found == []


def _local_code(value: object) -> bool:
    """Whether an attribute found on moto is a function written in localaws/ (wrapped ones included)."""
    for candidate in (value, getattr(value, "fget", None), getattr(value, "__func__", None)):
        if isinstance(candidate, types.FunctionType) and \
                Path(candidate.__code__.co_filename).resolve().is_relative_to(LOCALAWS):
            return True
    return False


def test_every_localaws_function_found_on_moto_was_put_there_by_the_registry(sb, unique):
    boto3.client("events").put_rule(Name=f"seams-{unique}", EventPattern='{"source": ["x"]}')
    boto3.client("sns").create_topic(Name=f"seams-{unique}")
    boto3.client("iam").list_roles()  # every lazily patched service has now been called
    patched = {name.split("[")[0] for name in seams.patched()}
    found = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("moto.") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if _local_code(value):
                found.add(f"{name}:{attribute}")
            if inspect.isclass(value) and value.__module__ == name:
                found |= {f"{name}:{value.__name__}.{key}" for key, item in vars(value).items() if _local_code(item)}
    assert found and found <= patched
