"""The whole course, chapter after chapter, each in a fresh kernel: per-chapter and total wall time.

Target (issue 3): every chapter of the catalogue in <= 90 s on this machine, one after the other. Chapters run
the way tests/course/test_course_notebooks.py runs them, through lambda_course.chapters.running, in catalogue order. A
chapter that raises is reported as failed, so a broken run is not taken for a fast one. The machine's load
average is printed at the start and the end: other work on a shared machine slows the figure down, and the load
says by how much to trust it.
Run: .venv/bin/python benchmarks/bench_course.py [SLUG ...]
"""

from __future__ import annotations

import os
import sys
import time

from lambda_course.chapters import running
from lambda_course.chapters.catalog import CHAPTERS

TARGET_S = 90.0


def run_chapter(slug: str) -> tuple[float, int]:
    """Execute one chapter top to bottom in a new kernel; its wall time and how many cells raised."""
    start = time.perf_counter()
    try:
        failures = len(running.errors(running.run_chapter(slug)))
    except Exception as error:  # noqa: BLE001 - a failing chapter is reported, and the run goes on
        print(f"  {slug}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        failures = 1
    return time.perf_counter() - start, failures


def load() -> str:
    """The 1, 5 and 15 minute load averages, beside the number of cores."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def main(slugs: list[str]) -> None:
    print(f"load average at start: {load()}", flush=True)
    total, failed = 0.0, []
    for slug in slugs:
        elapsed, errors = run_chapter(slug)
        total += elapsed
        if errors:
            failed.append(slug)
        status = f"  FAILED ({errors} cell{'s' if errors != 1 else ''} raised)" if errors else ""
        print(f"{slug:32s} {elapsed:6.1f} s{status}", flush=True)
    verdict = "within" if total <= TARGET_S else "over"
    print(f"{'total, ' + str(len(slugs)) + ' chapters':32s} {total:6.1f} s  ({verdict} the {TARGET_S:.0f} s target)")
    print(f"load average at end:   {load()}")
    if failed:
        print(f"failed chapters: {', '.join(failed)}")


if __name__ == "__main__":
    catalogue = [slug for _, slug, _ in CHAPTERS]
    chosen = sys.argv[1:] or catalogue
    unknown = sorted(set(chosen) - set(catalogue))
    if unknown:
        sys.exit(f"not in the chapter catalogue: {', '.join(unknown)}; known: {', '.join(catalogue)}")
    main(chosen)
