"""Grading results as a summary table for the terminal (the scores CSV and the Canvas CSV: export.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grader.autograde import Result

PENDING = "manual"  # a cell awaiting manual grading, in the table


def summary_table(
    results: Sequence[Result],
    questions: Sequence[str],
    max_scores: dict[str, float],
    penalties: Mapping[str, float] | None = None,
) -> str:
    """A fixed-width table: learners down, questions across, with the total and the class average.

    With `penalties` (points taken off for lateness, by learner) a `late` column shows them, and the total
    is what counts after them. A manually graded answer that no instructor has graded yet shows as "manual",
    never as 0, and a line under the table says how many learners await manual grading.
    """
    penalties = {k: v for k, v in (penalties or {}).items() if v}
    late = ["late"] if penalties else []
    header = ["learner", *questions, *late, "total"]
    maximum = [f"{max_scores[q]:g}" for q in questions]
    rows = [header, ["(max)", *maximum, *["" for _ in late], f"{sum(max_scores.values()):g}"]]
    totals = {r.learner: r.score - penalties.get(r.learner, 0.0) for r in results if not r.error}
    for result in results:
        cells = ["-" if result.error else PENDING if q in result.pending else f"{result.scores.get(q, 0):g}"
                 for q in questions]
        cut = [f"-{penalties[result.learner]:g}" if result.learner in penalties else "" for _ in late]
        total = "error" if result.error else f"{totals[result.learner]:g}"
        rows.append([result.learner, *cells, *cut, total])
    if totals:
        average = sum(totals.values()) / len(totals)
        rows.append(["(average)", *["" for _ in questions], *["" for _ in late], f"{average:.1f}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [_line(row, widths) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    waiting = sum(bool(r.pending) for r in results if not r.error)
    if waiting:
        lines.append(f"{PENDING}: {waiting} learner(s) have answers awaiting manual grading (nbgrader's formgrader); "
                     "their totals so far count the autograded points only.")
    return "\n".join(lines)


def _line(row: Sequence[str], widths: Sequence[int]) -> str:
    """One table row: the first column left-aligned, numbers right-aligned."""
    pairs = enumerate(zip(row, widths, strict=True))
    cells = [cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in pairs]
    return "  ".join(cells).rstrip()
