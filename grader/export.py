"""A lab's class results: kept between runs, and exported as a scores CSV and a Canvas gradebook CSV.

The results file (`<work>/<lab>-results.json`) holds every learner's latest grading, so regrading one learner
rewrites the exports with everybody in them. The scores CSV has one row per learner: each question's points,
the points before any late penalty, the days late, the penalty, the total that counts, the maximum, the
submission time and any grading error. The Canvas CSV is Canvas's gradebook import format.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from grader.autograde import Result
from lambda_course.labs import Lab
from grader.lateness import Lateness

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass
class Entry:
    """One learner's latest grading of a lab: the result, when it was handed in, and how late."""

    result: Result
    submitted_at: datetime | None = None
    lateness: Lateness = field(default_factory=Lateness)

    @property
    def learner(self) -> str:
        return self.result.learner

    @property
    def penalty(self) -> float:
        """Points taken off for lateness."""
        return 0.0 if self.result.error else self.lateness.penalty(self.result.score)

    @property
    def total(self) -> float:
        """The points that count: earned, less the late penalty."""
        return round(self.result.score - self.penalty, 4)


def results_path(work: Path, lab: Lab) -> Path:
    """Where a lab's class results are kept."""
    return work / f"{lab.id}-results.json"


def save(entries: Iterable[Entry], path: Path) -> Path:
    """Write the entries, by learner."""
    rows = [_to_json(entry) for entry in sorted(entries, key=lambda e: e.learner)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1))
    return path


def load(path: Path) -> dict[str, Entry]:
    """The entries saved at `path`, by learner (none when there is no file yet)."""
    if not path.is_file():
        return {}
    entries = [_from_json(row) for row in json.loads(path.read_text())]
    return {entry.learner: entry for entry in entries}


def write_scores_csv(entries: Sequence[Entry], questions: Sequence[str], path: Path) -> Path:
    """One row per learner with per-question points, lateness, the total that counts and any error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        header = ["learner", *questions, "points", "days_late", "late_penalty", "total", "max", "submitted"]
        writer.writerow([*header, "error"])
        for entry in entries:
            result = entry.result
            points = [f"{result.scores.get(q, 0):g}" for q in questions]
            late = [f"{entry.lateness.days}", f"{entry.penalty:g}"]
            when = entry.submitted_at.isoformat(timespec="seconds") if entry.submitted_at else ""
            totals = [f"{entry.total:g}", f"{result.max_score:g}", when]
            writer.writerow([result.learner, *points, f"{result.score:g}", *late, *totals, result.error])
    return path


def write_canvas_csv(
    entries: Sequence[Entry], lab: Lab, path: Path, assignment_id: str | None = None
) -> Path:
    """Canvas's gradebook import: the five fixed columns, one column "Title (id)", a Points Possible row.

    Learners are matched by SIS Login ID (the name their submission was filed under). A learner whose
    grading failed gets an empty cell, which Canvas leaves ungraded rather than recording a zero.
    """
    column = f"{lab.title} ({assignment_id or lab.id})"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_FIXED, column])
        writer.writerow(["Points Possible", "", "", "", "", f"{lab.points:g}"])
        for entry in entries:
            score = "" if entry.result.error else f"{entry.total:g}"
            writer.writerow([entry.learner, "", "", entry.learner, "", score])
    return path


def _to_json(entry: Entry) -> dict:
    result = entry.result
    return {
        "learner": result.learner, "scores": result.scores, "max_scores": result.max_scores,
        "error": result.error, "notes": list(getattr(result, "notes", []) or []),
        "submitted_at": entry.submitted_at.isoformat() if entry.submitted_at else None,
        "lateness": asdict(entry.lateness),
    }


def _from_json(row: dict) -> Entry:
    result = Result(row["learner"], row["scores"], row["max_scores"], error=row["error"])
    if hasattr(result, "notes"):
        result.notes = row.get("notes", [])
    when = datetime.fromisoformat(row["submitted_at"]) if row.get("submitted_at") else None
    return Entry(result, when, Lateness(**row.get("lateness", {})))
