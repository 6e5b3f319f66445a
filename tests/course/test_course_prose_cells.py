"""Chapter cells that only render prose show their text, not their code, and the prose says what holds today.

A prose cell is a code cell whose every statement displays text from a course helper (`md(...)`, `lab_pointer(...)`):
its code is plumbing for the facts file, so JupyterLab should show the rendered text alone. JupyterLab hides a
cell's input when the cell carries the standard metadata `"jupyter": {"source_hidden": true}` (JupyterLab
documentation, "Notebooks": collapsing cell inputs and outputs is saved in the cell's `jupyter` metadata,
https://jupyterlab.readthedocs.io/en/stable/user/notebook.html).
"""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import nbformat
import pytest

from lambda_course.chapters.text import day, fmt, say
from localaws.facts import value

COURSE = Path(__file__).resolve().parents[2] / "course"
PROSE_HELPERS = {"md", "say", "lab_pointer", "course_map"}
CHAPTERS = sorted(COURSE.glob("*.ipynb"))


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def renders_prose(source: str) -> bool:
    """Whether every statement of a code cell displays text from a prose helper, and nothing else runs."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    calls = [statement.value for statement in body
             if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)]
    if not body or len(calls) != len(body):
        return False
    shown = [call.args[0] if _called(call) == "display" and len(call.args) == 1 and isinstance(call.args[0], ast.Call)
             else call for call in calls]
    return all(isinstance(call, ast.Call) and _called(call) in PROSE_HELPERS for call in shown)


def prose_cells(path: Path) -> list[tuple[int, nbformat.NotebookNode]]:
    nb = nbformat.read(path, as_version=4)
    return [(index, cell) for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and renders_prose(cell.source)]


def chapter_text(stem: str) -> str:
    """A chapter's markdown and code, as one string, for checks on what it says."""
    nb = nbformat.read(COURSE / f"{stem}.ipynb", as_version=4)
    return "\n\n".join(cell.source for cell in nb.cells)


@pytest.mark.parametrize(("source", "prose"), [
    ('md("Up to {timeout_max_s:time}.")', True),
    ("lab_pointer(3)", True),
    ('display(md("a"))\nlab_pointer(1)', True),
    ('md("x", month=value("hours_per_month") * 2)', True),
    ('deploy.deploy_function("f", src)\nmd("then prose")', False),
    ('from lambda_course.chapters.text import md\nmd("prose")', False),
    ("quiz([Question('q', ('a', 'b'), answer=0)])", False),
    ("print('hello')", False),
    ("", False),
])
def test_prose_cells_are_recognised_by_their_calls(source, prose):
    assert renders_prose(source) is prose


def test_every_chapter_has_prose_cells_to_hide():
    assert all(prose_cells(path) for path in CHAPTERS), "each chapter ends with at least its lab pointer"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_prose_cells_hide_their_code(path):
    shown = [f"{path.stem} cell {index} ({cell.get('id')}): {cell.source.splitlines()[0][:60]!r}"
             for index, cell in prose_cells(path)
             if cell.metadata.get("jupyter", {}).get("source_hidden") is not True]
    assert not shown, ('set "jupyter": {"source_hidden": true} in the metadata of these cells, which only '
                       "render prose:\n" + "\n".join(shown))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_only_prose_cells_hide_their_code(path):
    nb = nbformat.read(path, as_version=4)
    hidden = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
              and cell.metadata.get("jupyter", {}).get("source_hidden") and not renders_prose(cell.source)]
    assert not hidden, f"{path.stem}: cells {hidden} hide code that does more than render prose"


# --- what the prose says, as of the facts file's as-of dates ---------------------------------------------------

ONE_AT_A_TIME = re.compile(r"one (?:event|request) at a time", re.IGNORECASE)
QUALIFIED = re.compile(r"on-demand|Managed Instances", re.IGNORECASE)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_one_event_at_a_time_is_said_only_of_on_demand_lambda(path):
    """On Lambda Managed Instances one environment serves several requests at once (AWS Lambda Developer Guide,
    "Lambda Managed Instances runtimes", https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-runtimes.html)."""
    nb = nbformat.read(path, as_version=4)
    unqualified = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "quiz(" in cell.source:
            continue  # quizzes are checked with their own data
        for paragraph in re.split(r"\n\s*\n", cell.source):
            if ONE_AT_A_TIME.search(paragraph) and not QUALIFIED.search(paragraph):
                unqualified.append(f"cell {index}: {ONE_AT_A_TIME.search(paragraph).group(0)!r}")
    assert not unqualified, f"{path.stem} states as universal what holds for on-demand Lambda only: {unqualified}"


def test_sqs_fifo_is_not_sold_as_exactly_once():
    """SQS FIFO deduplicates within an interval and Lambda reads queues at least once (Amazon SQS Developer Guide,
    "Exactly-once processing in Amazon SQS",
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html)."""
    text = chapter_text("08-eventbridge-vs-sqs")
    assert "exactly-once processing |" not in text
    assert "{sqs_fifo_dedup_interval_min}" in text and "at least once" in text and "idempotent" in text


def test_tracing_points_to_opentelemetry_and_gives_the_x_ray_sdk_dates():
    """X-Ray SDK and daemon end of support timeline, AWS X-Ray Developer Guide,
    https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-migration.html."""
    text = chapter_text("10-challenges")
    assert "OpenTelemetry" in text
    assert "{xray_sdk_maintenance_date}" in text and "{xray_sdk_end_of_support_date}" in text
    assert "the X-Ray SDK (or" not in text


def test_steady_load_names_lambda_managed_instances_with_their_price():
    """Lambda pricing, Lambda Managed Instances, https://aws.amazon.com/lambda/pricing/."""
    text = chapter_text("09-serverless-vs-kubernetes")
    assert "Lambda Managed Instances" in text and "{managed_instances_fee_percent}" in text


def test_a_vpc_function_needs_nat_or_endpoints_in_any_subnet():
    """Lambda gives a VPC-attached function no public IP, so a public subnet does not reach the internet either
    (AWS Lambda Developer Guide, "Enable internet access for VPC-connected Lambda functions",
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html)."""
    for stem in ("07-securing-functions", "11-interview-practice"):
        text = chapter_text(stem)
        assert "public IP" in text and "NAT gateway" in text, stem


def test_the_sqs_message_size_is_an_sqs_fact_and_schedules_point_to_scheduler():
    """Amazon SQS message quotas; EventBridge User Guide, "Creating a rule that runs on a schedule"
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html)."""
    text = chapter_text("08-eventbridge-vs-sqs")
    assert "An SQS message may hold up to **{sqs_message_size_mb}**" in text
    assert "EventBridge Scheduler" in text


def test_dates_from_the_facts_file_read_as_people_write_them():
    assert day(date(2027, 2, 5)) == "5 February 2027"
    assert say("{xray_sdk_maintenance_date}") == day(value("xray_sdk_maintenance_date"))
    assert value("xray_sdk_maintenance_date") < value("xray_sdk_end_of_support_date")
    assert fmt("xray_sdk_end_of_support_date", "src").startswith("AWS X-Ray Developer Guide")
