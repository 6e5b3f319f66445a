"""Which test files kill which mutants of a chapter's handler: the runs, the table and the chart of them.

The rule is the one lab 11 grades by: a test file kills a mutant when its tests fail on the mutant, and its kills
count only when the same tests pass on the handler as given (a file that fails everywhere proves nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from IPython.display import Markdown
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lambda_course.testruns.mutation import Mutant
from lambda_course.testruns.runner import run_tests


@dataclass(frozen=True)
class Outcome:
    """One test file's runs: whether it passed on the handler as given, and which mutants it failed on."""

    tests: str
    passes_on_original: bool
    killed: tuple[str, ...]
    mutants: tuple[str, ...]

    @property
    def survived(self) -> tuple[str, ...]:
        """The mutants these tests pass on: bugs they would let through."""
        return tuple(m for m in self.mutants if m not in self.killed)

    @property
    def counted(self) -> tuple[str, ...]:
        """The kills that count: none unless the tests pass on the handler as given."""
        return self.killed if self.passes_on_original else ()

    @property
    def score(self) -> str:
        """The kills that count, out of every mutant ('2 of 4')."""
        return f"{len(self.counted)} of {len(self.mutants)}"


def kill_matrix(test_files: Mapping[str, str], source: str, mutants: Sequence[Mutant],
                module: str) -> list[Outcome]:
    """Run every test file against the handler of `source`, then against each mutant; one Outcome per file."""
    if not test_files or not mutants:
        raise ValueError("name at least one test file and one mutant")
    outcomes = []
    for name, tests in test_files.items():
        test_file = f"test_{module}.py"
        passes = run_tests(tests, source, module, test_file).passed
        fails_on = {mutant.id: not run_tests(tests, mutant.source(source), module, test_file).passed
                    for mutant in mutants}
        outcomes.append(Outcome(name, passes, tuple(m for m, failed in fails_on.items() if failed),
                                tuple(fails_on)))
    return outcomes


def kill_table(outcomes: Sequence[Outcome]) -> Markdown:
    """The outcomes as a Markdown table: a row per test file, a column per mutant, and the score."""
    mutants = outcomes[0].mutants
    head = ["| tests | pass on the handler as given | " + " | ".join(f"`{m}`" for m in mutants) + " | counted |",
            "|---" * (len(mutants) + 3) + "|"]
    rows = [f"| {o.tests} | {'yes' if o.passes_on_original else '**no**'} | "
            + " | ".join("killed" if m in o.killed else "survived" for m in mutants) + f" | {o.score} |"
            for o in outcomes]
    return Markdown("\n".join(head + rows))


def plot_kill_matrix(outcomes: Sequence[Outcome]) -> Figure:
    """A grid, a row per test file and a column per mutant: green where a counted kill, red where it survived,
    grey where the kill does not count because the tests fail on the handler as given."""
    mutant_ids = outcomes[0].mutants
    fig = Figure(figsize=(1.6 * len(mutant_ids) + 3.2, 0.6 * len(outcomes) + 1.6))
    ax = fig.subplots()
    colours = {"counted": "#4caf50", "survived": "#e57373", "void": "#bdbdbd"}
    for row, outcome in enumerate(outcomes):
        for column, mutant in enumerate(mutant_ids):
            state = ("survived" if mutant not in outcome.killed
                     else "counted" if outcome.passes_on_original else "void")
            ax.add_patch(_cell(column, row, colours[state]))
            ax.text(column, row, {"counted": "killed", "survived": "survived", "void": "(killed)"}[state],
                    ha="center", va="center", fontsize=8)
    ax.set_xlim(-0.5, len(mutant_ids) - 0.5)
    ax.set_ylim(len(outcomes) - 0.5, -0.5)
    ax.set_xticks(range(len(mutant_ids)), list(mutant_ids), rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(len(outcomes)), [f"{o.tests} ({o.score})" for o in outcomes], fontsize=8)
    ax.set_title("Which test file kills which mutant (grey: the file fails on the handler too, so nothing counts)",
                 fontsize=9)
    fig.tight_layout()
    return fig


def _cell(column: int, row: int, colour: str) -> Rectangle:
    """One square of the grid."""
    return Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor=colour, edgecolor="white", linewidth=2)
