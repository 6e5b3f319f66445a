"""The `lambda-course` command as a newcomer meets it: its help, and the one-minute tour."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lambda_course.cli import build_parser


def test_every_subcommand_is_listed():
    help_text = build_parser().format_help()
    for command in ("lab", "sandbox", "tour", "release", "check", "grade"):
        assert command in help_text


@pytest.mark.slow
def test_tour_deploys_invokes_and_grades():
    run = subprocess.run([sys.executable, "-m", "lambda_course.cli", "tour"], capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    reports = [line for line in run.stdout.splitlines() if line.strip().startswith("REPORT")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0] and "Init Duration" not in reports[1]
    assert "reference solution with nbgrader: 10/10 points" in run.stdout


def test_readme_lists_every_lab_with_its_points():
    from lambda_course.labs import ROOT as REPO_ROOT
    from lambda_course.labs import all_labs

    readme = (REPO_ROOT / "README.md").read_text()
    for lab in all_labs().values():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{lab.id}` |")), "")
        assert row, f"README has no row for {lab.id}"
        assert row.rstrip(" |").endswith(f"| {lab.points:g}"), row
