"""What a fresh machine installs: the declared packages are the imported ones, and the lock pins them all."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
TEST = [Requirement(text) for text in PROJECT["optional-dependencies"]["test"]]
LOCK_LINE = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]*?))?\s*\\?$")
# Declared, yet never imported: each is run as a program or loaded by another tool.
NOT_IMPORTED = {
    "awslambdaric": "runs every execution environment as `python -m awslambdaric`",
    "jupyterlab": "`lambda-course lab` starts `python -m jupyterlab`",
    "notebook": "the classic notebook interface nbgrader's assignment list also serves",
    "pytest-xdist": "pytest's -n option",
    "ruff": "`make test` runs `ruff check`",
    "uv": "`make lock` and `make check-latest` run it",
    "import-linter": "`make lint` runs `lint-imports`",
    "mypy": "`make lint` runs `mypy`",
    "aws-lambda-powertools": "copied into a layer for functions (deploy.powertools_layer); the course never imports it",
}
PACKAGES = ("grader", "localaws", "iampolicy", "lambda_course")  # the project's own, in this repository


def _locked() -> list[tuple[str, str, str | None]]:
    """Each locked package's name, version and environment marker (a package may be pinned per Python)."""
    return [(canonicalize_name(match[1]), match[2], match[3] or None)
            for line in (ROOT / "requirements.lock").read_text().splitlines() if (match := LOCK_LINE.match(line))]


def _imported(folders: tuple[str, ...]) -> set[str]:
    """Top-level modules imported (at any depth of the code) by the Python files under `folders`."""
    names = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def _distributions(modules: set[str]) -> set[str]:
    """The installed distributions that provide `modules` (standard library and the project's own left out)."""
    providers = metadata.packages_distributions()
    third_party = modules - set(sys.stdlib_module_names) - set(PACKAGES)
    return {canonicalize_name(dist) for module in third_party for dist in providers.get(module, [module])}


def _names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in requirements}


def test_every_package_the_course_imports_is_declared():
    assert _distributions(_imported(PACKAGES)) - _names(RUNTIME) == set()


def test_every_package_the_tests_import_is_declared():
    local = {path.stem for folder in ("tests", "benchmarks") for path in (ROOT / folder).rglob("*.py")}
    imported = _imported(("tests", "benchmarks")) - local
    assert _distributions(imported) - _names(RUNTIME + TEST) == set()


def test_every_declared_package_is_used():
    used = _distributions(_imported((*PACKAGES, "tests", "benchmarks"))) | set(NOT_IMPORTED)
    assert _names(RUNTIME + TEST) - used == set()


def test_the_lock_pins_every_declared_package_within_its_range():
    versions: dict[str, list[str]] = {}
    for name, version, _ in _locked():
        versions.setdefault(name, []).append(version)
    outside = {str(req): versions.get(canonicalize_name(req.name)) for req in RUNTIME + TEST
               if not versions.get(canonicalize_name(req.name))
               or any(version not in req.specifier for version in versions[canonicalize_name(req.name)])}
    assert outside == {}


def test_the_lock_pins_every_package_with_hashes():
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("\n", 2)[2])
    assert len(entries) == len(_locked()) > 100
    assert [entry.split(" ")[0] for entry in entries if "--hash=sha256:" not in entry] == []


def test_the_environment_holds_exactly_the_locked_versions():
    """What `make install` built is what the lock says: a fresh machine gets what these tests ran on."""
    if not (ROOT / ".venv" / ".installed").is_file() or Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("not running in the .venv that `make install` builds")
    differ = {}
    for name, version, marker in _locked():
        if marker is None or Marker(marker).evaluate():
            installed = metadata.version(name)
            if installed != version:
                differ[name] = (version, installed)
    assert differ == {}


def test_environment_yml_installs_the_lock_for_a_supported_python():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(dep for dep in environment["dependencies"] if isinstance(dep, str) and dep.startswith("python="))
    assert python.split("=")[1] in PROJECT["requires-python"].replace(">=", "")  # the lock's oldest Python
    assert "--python-version 3.11" in (ROOT / "requirements.lock").read_text().splitlines()[1]
    pip = next(dep["pip"] for dep in environment["dependencies"] if isinstance(dep, dict))
    assert pip == ["--require-hashes", "-r requirements.lock"]
