"""What a learner's test file may not do, read from its source before it runs: the rules it is graded under.

Tests are graded by the mutants they kill, so a file that holds a copy of the handler could kill them all by
comparing answers with the copy, without stating a single expected value. The screen refuses such a file: a
function with the same shape as one of the handler's, code run from strings (`exec`, `eval`, `compile`), and
imports of anything beyond the standard library, pytest and the handler's own module (the course itself is
not there when the tests are graded, so such a file would only fail later, with a less helpful message).
A determined copy can be disguised; what the screen cannot see, the tests' own expected values still have to
carry, and the note in the lab says that a test states what the handler should answer.
"""

from __future__ import annotations

import ast
import sys

FROM_STRINGS = {"exec", "eval", "compile", "__import__"}
LOADERS = {"importlib", "runpy", "imp", "zipimport"}
SMALLEST_COPY = 4  # statements: a function shorter than this is too common a shape to call a copy


class TestsRefused(ValueError):
    """The test file breaks one of the rules above; the message says which and what to do instead."""

    __test__ = False  # an error, not a test class for pytest to collect


def screen(tests: str, handler_source: str, module: str) -> None:
    """TestsRefused when the test file `tests` breaks a rule; nothing when it keeps them all."""
    try:
        tree = ast.parse(tests)
    except SyntaxError as error:
        raise TestsRefused(f"Your test file is not valid Python (line {error.lineno}: {error.msg}).") from None
    allowed = set(sys.stdlib_module_names) | {"pytest", module, "__future__"}
    copies = _shapes(ast.parse(handler_source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            _check_import(node, allowed, module)
        _check_strings(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _shape(node) in copies:
            raise TestsRefused(
                f"Line {node.lineno}: `{node.name}` is a copy of the handler's `{copies[_shape(node)]}`. A test "
                "states what the handler should answer; comparing the handler with a copy of itself checks "
                "nothing, so a test file holding one is not graded.")


def _check_import(node: ast.Import | ast.ImportFrom, allowed: set[str], module: str) -> None:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        names = [node.module or ""] if node.level == 0 else ["."]
    for name in names:
        top = name.split(".")[0]
        if top in LOADERS or top not in allowed:
            raise TestsRefused(
                f"Line {node.lineno}: `import {name}`. Your tests may import the standard library, pytest and "
                f"the handler's module `{module}` (from {module} import handler), and nothing else: the course's "
                "own modules are not there when your tests are graded.")


def _check_strings(node: ast.AST) -> None:
    if isinstance(node, ast.Name) and node.id in FROM_STRINGS:
        raise TestsRefused(
            f"Line {node.lineno}: `{node.id}` runs code held in a string. Tests here call the handler and check "
            "its answers; write the code you want to run as code.")


def _shapes(tree: ast.AST) -> dict[str, str]:
    """The shape of each function of the handler worth calling a copy of, with its name."""
    return {_shape(node): node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and len(_body(node)) >= SMALLEST_COPY}


def _body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = node.body
    first = body[0] if body else None
    is_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)
    return body[1:] if is_docstring else body


class _Blank(ast.NodeTransformer):
    """Every string, formatted or not, made the same: a copy with its messages reworded is still a copy."""

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.Constant:  # noqa: N802 - ast's visitor naming
        return ast.Constant("_")


def _shape(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The function's body with every name, argument and string blanked: renaming does not hide a copy."""
    body = _Blank().visit(ast.Module([ast.parse(ast.unparse(statement)).body[0] for statement in _body(node)], []))
    for inner in ast.walk(body):
        if isinstance(inner, ast.Name):
            inner.id = "_"
        elif isinstance(inner, ast.arg):
            inner.arg = "_"
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            inner.value = "_"
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
            inner.name = "_"
    return ast.dump(body, annotate_fields=False)
