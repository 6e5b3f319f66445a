"""The judge: a lab's test cells run here, in the trusted grading process, never in the learner's kernel.

nbgrader runs a notebook top to bottom in one kernel, tests included, so a learner's code could reach
everything that decides a score: the check helpers, the expected values, the hidden tests. Here a test
cell's source (hidden tests included) is executed in the grader's own process instead, with the course's
check helpers imported here. A name the test does not define itself is looked up in the learner's kernel
through a `Link`: a learner function comes back as a `LearnerFunction`, whose calls run in the kernel with the
judge's arguments and return plain data (see plaindata.py); a learner value comes back as plain data. The
lab's own set-up cells contribute their imports and constant assignments to the judge's names, so a learner
cannot swap a check module or a lab constant under a test.

The outcome of a test is nbgrader's: no error output, full points; an error output, none. A failure in the
hidden part of a test is reported without its message, which could quote the hidden case.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import Any, Protocol

from nbformat import NotebookNode

from grader.trust import plaindata

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)
HIDDEN_FAILED = ("One of this question's hidden tests failed: your answer passes the visible test but not every "
                 "case the question describes. Read the question again for the cases it names.")
BUILTIN_ERRORS = {name: kind for name, kind in vars(builtins).items()
                  if isinstance(kind, type) and issubclass(kind, Exception)}


class Link(Protocol):
    """The judge's line into the learner's kernel: one request (a dict) in, its answer (a dict) out."""

    def ask(self, request: dict[str, Any]) -> dict[str, Any]: ...


class LearnerUnavailable(RuntimeError):
    """The learner's kernel did not answer (it died, hung, or answered with something that is not data)."""


class LearnerError(Exception):
    """A learner function raised an exception of the learner's own (not a builtin) class."""


class LearnerFunction:
    """A function defined in the learner's notebook, called from the judge: it runs in the kernel."""

    def __init__(self, link: Link, name: str) -> None:
        self._link = link
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        reply = self._link.ask({"op": "call", "name": self.__name__, "args": plaindata.encode(list(args)),
                                "kwargs": plaindata.encode(kwargs)})
        if "value" in reply:
            return plaindata.decode(reply["value"])
        if "raised" in reply:
            raise rebuilt(reply["raised"])
        raise LearnerUnavailable(f"{self.__name__} is no longer a function in your notebook")

    def module_source_elsewhere(self, names: list[str]) -> str:
        """The source of the cells that define `names` in the learner's notebook (for checks.module_source)."""
        reply = self._link.ask({"op": "module_source", "names": names})
        if not isinstance(reply.get("source"), str):
            raise AssertionError(f"Could not read the source of {', '.join(names)}: {reply.get('error', '')}")
        return reply["source"]

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"


def rebuilt(raised: dict[str, Any]) -> Exception:
    """The judge's copy of what a learner function raised: the nearest builtin class, with its message."""
    message = str(raised.get("message", ""))
    for name in raised.get("builtins", []):
        kind = BUILTIN_ERRORS.get(str(name))
        if kind is not None and kind is not Exception:
            try:
                return kind(message)
            except TypeError:  # a builtin whose constructor wants more (UnicodeDecodeError): its base will do
                continue
    return LearnerError(f"{raised.get('type', 'Exception')}: {message}")


class Names(dict):
    """The judge's namespace: its own names first, then the builtins, then what the learner's kernel holds."""

    def __init__(self, link: Link, own: dict[str, Any]) -> None:
        super().__init__(own)
        self._link = link

    def __missing__(self, name: str) -> Any:
        if name.startswith("__") or hasattr(builtins, name):
            raise KeyError(name)  # Python then looks in the builtins, never in the learner's kernel
        reply = self._link.ask({"op": "lookup", "name": name})
        if reply.get("kind") == "function":
            return LearnerFunction(self._link, name)
        if reply.get("kind") == "value":
            return plaindata.decode(reply["value"])
        raise KeyError(name)


def lab_names(source: str, into: dict[str, Any]) -> None:
    """Run a lab set-up cell's imports and constant assignments in the judge's own names."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return  # a lab cell that is not Python (a magic): it contributes nothing to the judge
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            exec(compile(ast.Module([node], []), "<lab set-up>", "exec"), into)  # noqa: S102 - the lab's own import
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue  # computed at run time (a queue URL, a client): read from the kernel when a test asks
            into.update({target.id: value for target in node.targets if isinstance(target, ast.Name)})


@dataclass
class Verdict:
    """A test's outcome: passed, or the error output that nbgrader scores 0."""

    passed: bool
    ename: str = ""
    evalue: str = ""

    def outputs(self) -> list[NotebookNode]:
        if self.passed:
            return []
        return [NotebookNode(output_type="error", ename=self.ename, evalue=self.evalue,
                             traceback=[f"{self.ename}: {self.evalue}"])]


def parts(source: str) -> list[tuple[bool, str]]:
    """The test's source in order, as (hidden, code) pieces; line numbers kept for messages."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in HIDDEN.finditer(source):
        pieces.append((False, source[position:match.start()]))
        pieces.append((True, "\n" * source[:match.start(1)].count("\n") + match.group(1)))
        position = match.end()
    pieces.append((False, "\n" * source[:position].count("\n") + source[position:]))
    return [(hidden, code) for hidden, code in pieces if code.strip()]


def _message(error: BaseException) -> tuple[str, str]:
    if isinstance(error, LearnerUnavailable):
        return "LearnerUnavailable", f"Your notebook's kernel could not answer the test: {error}"
    if isinstance(error, plaindata.NotPlainData):
        return "NotPlainData", f"Your answer could not be read as plain data: {error}"
    return type(error).__name__, str(error) or type(error).__name__


def run_test(source: str, name: str, names: Names) -> Verdict:
    """Run one test cell's source in `names`; the verdict, with hidden failures worded without detail."""
    for hidden, code in parts(source):
        try:
            exec(compile(code, f"<{name}>", "exec"), names, names)  # noqa: S102 - the lab's own test, judge-side
        except BaseException as error:  # any failure, the judge's own included, fails this test: never a pass
            if hidden:
                return Verdict(False, "HiddenTestFailed", HIDDEN_FAILED)
            return Verdict(False, *_message(error))
    return Verdict(True)


def judge_cell(cell: NotebookNode, names: Names) -> Verdict:
    """Judge one nbgrader test cell."""
    return run_test(cell.source, cell.metadata.get("nbgrader", {}).get("grade_id", "test"), names)
