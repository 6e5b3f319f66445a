"""Generate the learners' labs/ from the instructors' solutions/ with nbgrader; tell when labs/ is stale."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.converters import GenerateAssignment

from grader.assignments import Assignment
from grader.config import CoursePaths, nbgrader_config
from grader.course import settings
from grader.runner import run_converter


class ReleaseError(RuntimeError):
    """A lab cannot be released as it stands (an extra file, or points that do not add up)."""


def generate(lab: Assignment, paths: CoursePaths | None = None, into: Path | None = None) -> Path:
    """Write the learners' version of `lab` under `into` (default: the course's labs/); return its folder."""
    paths = paths or CoursePaths()
    check_source(lab, paths.root)
    config = nbgrader_config(paths)
    config.CourseDirectory.release_directory = str(into.resolve()) if into else settings().release_directory
    # Releasing needs no gradebook: grading builds its own from solutions/.
    config.SaveCells.enabled = False
    config.GenerateAssignment.no_database = True
    run_converter(GenerateAssignment, config, lab.id, force=True)
    return (into or paths.release_dir) / lab.id


def check_source(lab: Assignment, root: Path) -> None:
    """Refuse a source folder holding anything but the lab notebook: nbgrader would hand it to learners."""
    source = CoursePaths(root).source(lab.id)
    folder = source.parent
    if not source.is_file():
        raise ReleaseError(f"{lab.id}: no source notebook at {source}")
    extra = sorted(_files(folder) - {source.name})
    if extra:
        raise ReleaseError(
            f"{lab.id}: {', '.join(extra)} in {folder} would be released to learners; keep only "
            f"{lab.id}.ipynb there."
        )
    points = notebook_points(nbformat.read(source, as_version=4))
    if abs(points - lab.points) > 1e-9:
        raise ReleaseError(
            f"{lab.id}: graded cells add up to {points:g} points, but labs.toml says {lab.points:g}"
        )


def notebook_points(nb: nbformat.NotebookNode) -> float:
    """The points of every graded cell in a notebook."""
    return sum(
        float(c.metadata.get("nbgrader", {}).get("points", 0))
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    )


@dataclass(frozen=True)
class Staleness:
    """How one lab's released folder differs from what the release would write now."""

    lab: str
    problems: list[str]


def stale(lab: Assignment, paths: CoursePaths | None = None) -> Staleness:
    """Compare labs/<lab>/ with a fresh release made in a temporary folder."""
    paths = paths or CoursePaths()
    current = paths.release_dir / lab.id
    with tempfile.TemporaryDirectory(prefix="lab-release-") as tmp:
        fresh = generate(lab, paths, into=Path(tmp))
        return Staleness(lab.id, _folder_differences(fresh, current))


def _folder_differences(fresh: Path, current: Path) -> list[str]:
    """What differs between two lab folders: missing or extra files, and notebooks whose content changed."""
    if not current.is_dir():
        return [f"{current} does not exist"]
    want, have = _files(fresh), _files(current)
    problems = [f"missing {name}" for name in sorted(want - have)]
    problems += [f"unexpected {name}" for name in sorted(have - want)]
    for name in sorted(want & have):
        if not _same_file(fresh / name, current / name):
            problems.append(f"{name} differs from a fresh release of the solution")
    return problems


def _files(folder: Path) -> set[str]:
    """Every file under a folder, relative to it, leaving out editor and Python caches."""
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    }


def _same_file(a: Path, b: Path) -> bool:
    """Notebooks compare by normalised content; other files byte for byte."""
    if a.suffix == ".ipynb":
        return normalised_notebook(a) == normalised_notebook(b)
    return a.read_bytes() == b.read_bytes()


def normalised_notebook(path: Path) -> dict[str, Any]:
    """A notebook's content without what running or saving it changes: outputs, counts, formatting."""
    nb = json.loads(path.read_text())
    cells = [
        {"type": c.get("cell_type"), "source": _text(c.get("source", "")), "metadata": c.get("metadata", {})}
        for c in nb.get("cells", [])
    ]
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k in ("kernelspec", "nbgrader")}
    return {"metadata": metadata, "cells": cells}


def _text(source: str | list[str]) -> str:
    """Cell source as one string, whichever form the file stored it in."""
    return "".join(source) if isinstance(source, list) else source


def replace_release(lab: Assignment, paths: CoursePaths | None = None) -> Path:
    """Regenerate labs/<lab>/ from scratch."""
    paths = paths or CoursePaths()
    target = paths.release_dir / lab.id
    if target.exists():
        shutil.rmtree(target)
    return generate(lab, paths)
