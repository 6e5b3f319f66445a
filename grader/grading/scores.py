"""Grading results as a CSV of per-question scores and as a summary table for the terminal."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from grader.grading.autograde import Result


def write_csv(results: Sequence[Result], questions: Sequence[str], path: Path) -> Path:
    """One row per learner: each question's points, the total, the maximum, and any grading error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", *questions, "total", "max", "error"])
        for result in results:
            points = [f"{result.scores.get(q, 0):g}" for q in questions]
            totals = [f"{result.score:g}", f"{result.max_score:g}"]
            writer.writerow([result.learner, *points, *totals, result.error])
    return path


def summary_table(results: Sequence[Result], questions: Sequence[str], max_scores: dict[str, float]) -> str:
    """A fixed-width table: learners down, questions across, with the total and the class average."""
    header = ["learner", *questions, "total"]
    rows = [header, ["(max)", *[f"{max_scores[q]:g}" for q in questions], f"{sum(max_scores.values()):g}"]]
    for result in results:
        cells = ["-" if result.error else f"{result.scores.get(q, 0):g}" for q in questions]
        total = "error" if result.error else f"{result.score:g}"
        rows.append([result.learner, *cells, total])
    graded = [r for r in results if not r.error]
    if graded:
        average = sum(r.score for r in graded) / len(graded)
        rows.append(["(average)", *["" for _ in questions], f"{average:.1f}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [_line(row, widths) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _line(row: Sequence[str], widths: Sequence[int]) -> str:
    """One table row: the first column left-aligned, numbers right-aligned."""
    pairs = enumerate(zip(row, widths, strict=True))
    cells = [cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in pairs]
    return "  ".join(cells).rstrip()
