"""Lab 4 graded end to end (solution, stub, a handler that ignores the clock), and its check functions."""

from __future__ import annotations

import time

import labtesting
import nbformat
import pytest
from lab_contract import LabContract, with_sources

from lambda_course.checks import CheckFailed
from lambda_course.labchecks import timememory
from lambda_course.labs import lab
from lambda_course.model import invocation_cost

# One worker grades this module's batch once; split across workers, each would grade it again.
pytestmark = pytest.mark.xdist_group("lab4_time_and_memory")

CARELESS_HANDLER = '''
SAFETY_MS = 500


def handler(event, context):
    """Every item from the checkpoint on, without looking at the clock."""
    found = dynamodb.get_item(TableName=CHECKPOINT_TABLE, Key={"job_id": {"S": event["job_id"]}})
    index = int(found["Item"]["next_index"]["N"]) if "Item" in found else 0
    for position in range(index, len(event["items"])):
        process_item(event["job_id"], event["items"][position])
        dynamodb.put_item(TableName=CHECKPOINT_TABLE,
                          Item={"job_id": {"S": event["job_id"]}, "next_index": {"N": str(position + 1)}})
    return {"done": True, "next_index": len(event["items"])}
'''


class TestGrading(LabContract):
    LAB, POINTS = lab("lab4-time-and-memory"), 10
    RELEASED_TEXT_OMITS = ("save_checkpoint",)

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: the solution, except a handler that never checks get_remaining_time_in_millis()."""
        return {"cy": with_sources(labtesting.solution(cls.LAB), {"q1-answer": CARELESS_HANDLER})}

    def test_ignoring_the_clock_loses_part_a_and_says_why(self, batch):
        assert batch.score("cy", "q1-tests") == 0 and batch.score("cy", "q2-tests") == 0
        assert batch.score("cy") == self.LAB.points - 5
        page = batch.feedback("cy")
        assert "get_remaining_time_in_millis()" in page and "deadline" in page


# --- the check functions ------------------------------------------------------------------------------------


def test_local_context_counts_down_to_zero():
    context = timememory.LocalContext(200)
    first = context.get_remaining_time_in_millis()
    assert 150 < first <= 200
    time.sleep(0.25)
    assert context.get_remaining_time_in_millis() == 0


def model_measurements() -> dict[int, float]:
    return {size: timememory.model_duration_ms(size) * 1.1 for size in timememory.memory_sizes()}


def test_measurements_faster_than_the_cpu_share_allows_are_refused():
    measured = model_measurements()
    timememory.check_measurements(measured)
    smallest = timememory.memory_sizes()[0]
    with pytest.raises(CheckFailed, match=f"At {smallest} MB"):
        timememory.check_measurements({**measured, smallest: measured[smallest] / 1000})  # seconds, not ms
    with pytest.raises(CheckFailed, match="exactly the sizes"):
        timememory.check_measurements({smallest: 500.0})


def test_costs_must_come_from_the_model_in_milliseconds():
    measured = model_measurements()
    right = {size: invocation_cost(size, ms) for size, ms in measured.items()}
    timememory.check_costs(right, measured)
    in_seconds = {size: invocation_cost(size, ms / 1000) for size, ms in measured.items()}
    with pytest.raises(CheckFailed, match="milliseconds"):
        timememory.check_costs(in_seconds, measured)


def test_the_choice_is_the_cheapest_size_under_the_target_by_the_learners_numbers():
    sizes = timememory.memory_sizes()
    measured = model_measurements()
    costs = {size: invocation_cost(size, ms) for size, ms in measured.items()}
    target = measured[sizes[2]] + 1  # the third size is the first fast enough
    want = timememory.expected_choice(measured, costs, target)
    assert want == {"memory_mb": sizes[2], "too_slow": sizes[:2], "costlier": sizes[3:]}
    timememory.check_memory_choice(want, measured, costs, target)
    fastest = {**want, "memory_mb": sizes[-1], "costlier": sizes[2:-1]}
    with pytest.raises(CheckFailed, match="costs less"):
        timememory.check_memory_choice(fastest, measured, costs, target)
    with pytest.raises(CheckFailed, match="exactly the keys"):
        timememory.check_choice_form({"memory_mb": sizes[2]})


def _job_handler(check_clock: bool):
    """A local handler in the lab's shape, with or without the clock check."""
    import boto3

    dynamodb = boto3.client("dynamodb")

    def handler(event, context):
        job_id, items = event["job_id"], event["items"]
        found = dynamodb.get_item(TableName=timememory.CHECKPOINT_TABLE, Key={"job_id": {"S": job_id}})
        index = int(found["Item"]["next_index"]["N"]) if "Item" in found else 0
        while index < len(items):
            if check_clock and context.get_remaining_time_in_millis() < 300:
                return {"done": False, "next_index": index}
            time.sleep(timememory.SECONDS_PER_ITEM)
            dynamodb.update_item(TableName=timememory.RESULTS_TABLE,
                                 Key={"job_id": {"S": job_id}, "item": {"S": items[index]}},
                                 UpdateExpression="ADD times_done :one",
                                 ExpressionAttributeValues={":one": {"N": "1"}})
            index += 1
            dynamodb.put_item(TableName=timememory.CHECKPOINT_TABLE,
                              Item={"job_id": {"S": job_id}, "next_index": {"N": str(index)}})
        return {"done": True, "next_index": index}

    return handler


def test_a_handler_that_checks_the_clock_passes_and_one_that_does_not_fails(sb):
    timememory.create_tables()
    timememory.check_stops_in_time(_job_handler(check_clock=True), items=12)
    with pytest.raises(CheckFailed, match="after its deadline"):
        timememory.check_stops_in_time(_job_handler(check_clock=False), items=12)
