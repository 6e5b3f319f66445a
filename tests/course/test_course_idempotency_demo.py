"""Chapter 10's hand-written idempotent handler claims, works, then records completion, so failures are retried.

The pattern is the one Powertools' idempotency utility implements and documents (a record in progress with an
expiry tied to the invocation's remaining time, deleted when the work raises, completed with the answer):
https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/. Recording "processed" before the
work would make a failed attempt look done, and its retries would be skipped. The handler's source is taken from
the chapter itself, so these tests check what learners read, without running the whole notebook.
"""

from __future__ import annotations

import ast
import time

import boto3
import pytest
from course_notebook_cells import python_of, read

from lambda_course.deploy import deploy_function, invoke


def chapter_handler_source() -> str:
    """The string the chapter assigns to `idempotent_source`."""
    for cell in read("10-challenges").cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(python_of(cell))):
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "idempotent_source":
                    return str(ast.literal_eval(node.value))
    raise AssertionError("chapter 10 no longer defines idempotent_source")


@pytest.fixture
def charge(sb, unique, make_id_table) -> tuple[str, str]:
    """The chapter's handler deployed against a table of its own: (function name, table name)."""
    table, name = make_id_table(f"payments-{unique}"), f"charge-{unique}"
    source = chapter_handler_source()
    assert source.count('TableName="payments"') >= 4, "the test renames the chapter's table; update it"
    deploy_function(name, source.replace('TableName="payments"', f'TableName="{table}"'), timeout=10)
    return name, table


def states(table: str) -> dict[str, str]:
    """Each payment's recorded state."""
    return {item["id"]["S"]: item["state"]["S"] for item in boto3.client("dynamodb").scan(TableName=table)["Items"]}


def test_a_failed_attempt_is_retried_and_a_completed_one_is_skipped(charge):
    name, table = charge
    failed = invoke(name, {"payment_id": "p1", "gateway": "down"})
    assert failed.function_error == "Unhandled" and failed.payload["errorType"] == "ConnectionError"
    assert "record while charging: IN_PROGRESS" in failed.log, "the claim is written before the work"
    assert states(table) == {}, "a failed attempt must leave nothing that looks done"
    retried = invoke(name, {"payment_id": "p1"})
    assert retried.payload == {"charged": True, "receipt": "receipt-p1"}
    assert states(table) == {"p1": "COMPLETED"}
    duplicate = invoke(name, {"payment_id": "p1"})
    assert duplicate.payload == {"charged": False, "reason": "duplicate delivery, skipped", "receipt": "receipt-p1"}
    assert "record while charging" not in duplicate.log


@pytest.mark.parametrize(("lapses_in", "charged"), [(60, False), (-1, True)], ids=["live-claim", "lapsed-claim"])
def test_a_live_claim_holds_off_a_copy_and_a_lapsed_one_is_taken_over(charge, lapses_in, charged):
    name, table = charge
    boto3.client("dynamodb").put_item(TableName=table, Item={
        "id": {"S": "p2"}, "state": {"S": "IN_PROGRESS"}, "lapses": {"N": str(time.time() + lapses_in)}})
    result = invoke(name, {"payment_id": "p2"})
    if charged:
        assert result.payload == {"charged": True, "receipt": "receipt-p2"}
        assert states(table) == {"p2": "COMPLETED"}
    else:
        assert result.function_error == "Unhandled"
        assert result.payload["errorMessage"] == "p2 is being charged by another attempt; retry later"
        assert states(table) == {"p2": "IN_PROGRESS"}
