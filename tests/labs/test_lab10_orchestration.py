"""Lab 10 graded end to end with nbgrader: the reference solution, the released stub, a charge without a Retry, a
Catch that drops the order, and a durable handler that reserves outside a step, in one `lambda-course grade` run.

https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (Retry with IntervalSeconds,
MaxAttempts and BackoffRate; Catch with ResultPath, whose default replaces the state's input with the error)
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html (ResultPath adds a Task's result
to its input)
https://docs.aws.amazon.com/lambda/latest/dg/durable-basic-concepts.html (a durable function replays from the
start; finished steps return their checkpointed result, code outside steps runs again)
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from lambda_course.checks import CheckFailed
from lambda_course.labchecks import orchestration
from lambda_course.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab10-grading")]

RETRY = ('''
                "Retry": [{"ErrorEquals": ["PaymentServiceBusy"], "IntervalSeconds": 2, "BackoffRate": 2,
                           "MaxAttempts": 3}],''')
KEPT = '"ResultPath": "$.failure", "Next": "{}"'
RESERVE_STEP = 'context.step(lambda _: shop.reserve(event), name="reserve-stock", config=ONCE)'


def _changed(grade_id: str, *edits: tuple[str, str]) -> nbformat.NotebookNode:
    """The solution's answers, with one answer cell's texts replaced (each `old` must be there)."""
    nb = labtesting.answered(TestGrading.LAB)
    cell = cell_by_id(nb, grade_id)
    for old, new in edits:
        assert old in cell.source, old
        cell.source = cell.source.replace(old, new)
    return nb


class TestGrading(LabContract):
    LAB, POINTS = lab("lab10-orchestration"), 12
    RELEASED_CELLS_OMIT = {"q1-answer": ("PaymentServiceBusy", "ResultPath", "OrderCancelled"),
                           "q2-answer": ("create_state_machine(",),
                           "q3-answer": ("StepError", "retryable_error_types", "context.wait")}
    FEEDBACK_OMITS = ("hidden-busy-once", "hidden-sold-out", "hidden-durable")

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """nr: no Retry on the charge; nc: Catches without ResultPath; rp: a durable reserve outside a step."""
        return {"nr": _changed("q1-answer", (RETRY, "")),
                "nc": _changed("q1-answer", *[(KEPT.format(n), f'"Next": "{n}"')
                                              for n in ("ReleaseStock", "RefundPayment")]),
                "rp": _changed("q3-answer", (RESERVE_STEP, "shop.reserve(event)"))}

    def test_a_charge_without_retry_loses_the_retry_points_and_says_why(self, batch):
        assert batch.score("nr", "q1-tests") == 0
        assert batch.score("nr", "q2-tests-retry") == 0
        assert batch.score("nr") == self.LAB.points - 3  # declines and compensations still work
        page = batch.feedback("nr")
        assert "no Retry for PaymentServiceBusy" in page and "busy 2 time(s)" in page

    def test_a_catch_that_drops_the_order_loses_the_compensation_points(self, batch):
        assert batch.score("nc", "q1-tests") == 1  # the shape is right; what the compensations receive is not
        assert batch.score("nc", "q2-tests-declined") == 0
        assert batch.score("nc", "q2-tests-undeliverable") == 0
        assert batch.score("nc") == self.LAB.points - 3
        assert "A Catch needs a ResultPath" in batch.feedback("nc")

    def test_a_side_effect_outside_a_step_repeats_on_replay_and_loses_the_durable_points(self, batch):
        assert batch.score("rp", "q3-tests-once") == 0
        assert batch.score("rp", "q3-tests-good") == 0  # the third reservation finds the stock gone
        # A refusal ends in the first invocation (the visible case passes); no address fails after the wait's replay
        assert batch.score("rp", "q3-tests-compensate") == 0
        assert batch.score("rp") == self.LAB.points - 5
        page = batch.feedback("rp")
        assert "OutOfStock" in page and "code outside context.step runs again" in page
        assert "hidden tests failed" in page


# --- the checks on their own, without a grading run ---------------------------------------------------------

ARNS = {step: f"arn:aws:lambda:us-east-1:123456789012:function:lab10-{step}" for step in orchestration.STEPS}


def _reference() -> dict[str, Any]:
    """The solution's definition, built by its own code from the source notebook."""
    source = cell_by_id(labtesting.solution(TestGrading.LAB), "q1-answer").source.split("\n\nworkflow = ")[0]
    names: dict[str, Any] = {}
    exec(compile(source, "q1-answer", "exec"), names)  # noqa: S102 - the course's own solution cell
    return dict(names["order_workflow"](ARNS))


def test_the_shape_check_takes_the_reference_and_names_each_missing_part():
    good = _reference()
    orchestration.check_workflow_shape(good, ARNS)
    cases = {"a definition": lambda d: d.pop("States"),
             "No Task state calls lab10-refund": lambda d: d["States"].pop("RefundPayment"),
             "no Retry for PaymentServiceBusy": lambda d: d["States"]["ChargePayment"].pop("Retry"),
             "a declined card stays declined": lambda d: d["States"]["ChargePayment"]["Retry"][0].update(
                 ErrorEquals=["States.ALL"]),
             "BackoffRate above 1": lambda d: d["States"]["ChargePayment"]["Retry"][0].update(BackoffRate=1),
             "have no Catch": lambda d: d["States"]["ShipOrder"].pop("Catch"),
             "Add a Fail state": lambda d: d["States"]["OrderCancelled"].update(Error="Oops")}
    for said, breaks in cases.items():
        broken = copy.deepcopy(good)
        breaks(broken)
        with pytest.raises(CheckFailed, match=said):
            orchestration.check_workflow_shape(broken, ARNS)
    with pytest.raises(CheckFailed, match="a definition"):
        orchestration.check_workflow_shape("not a definition", ARNS)


def test_charge_attempts_are_read_in_order_from_a_history_and_other_functions_are_left_out():
    def scheduled(arn: str) -> dict[str, Any]:
        return {"type": "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails": {"resource": arn}}

    def failed(error: str) -> dict[str, Any]:
        return {"type": "LambdaFunctionFailed", "lambdaFunctionFailedEventDetails": {"error": error}}

    succeeded = {"type": "LambdaFunctionSucceeded"}
    events = [scheduled(ARNS["reserve"]), succeeded, scheduled(ARNS["charge"]), failed("PaymentServiceBusy"),
              scheduled(ARNS["charge"]), succeeded, scheduled(ARNS["ship"]), failed("AddressNotFound")]
    assert orchestration._charge_attempts(events, ARNS["charge"]) == ["PaymentServiceBusy", None]


@pytest.fixture(scope="module")
def shop(sb):
    """The shop's tables, functions and workflow role, set up as the lab's set-up cell does."""
    return orchestration.setup()


def _machine(name: str, definition: dict[str, Any]) -> None:
    boto3.client("stepfunctions").create_state_machine(name=name, definition=json.dumps(definition),
                                                       roleArn=orchestration.WORKFLOW_ROLE)


def test_the_execution_checks_pass_the_reference_and_fail_a_workflow_that_forgets_result_paths(sb, shop, unique):
    assert shop == ARNS  # the reference then calls the functions the lab deployed
    reference = _reference()
    _machine(f"good-{unique}", reference)
    orchestration.check_happy_order(f"good-{unique}")
    orchestration.check_declined(f"good-{unique}")
    careless = copy.deepcopy(reference)
    for state in careless["States"].values():
        state.pop("ResultPath", None)
    _machine(f"careless-{unique}", careless)
    with pytest.raises(CheckFailed, match="give each Task a ResultPath"):
        orchestration.check_happy_order(f"careless-{unique}")
    with pytest.raises(CheckFailed, match="There is no state machine named"):
        orchestration.check_happy_order(f"missing-{unique}")


def test_counts_that_differ_fail_and_a_reservation_left_behind_is_named(sb, shop, unique):
    placed = orchestration.order(f"counted-{unique}")
    orchestration.stock_up(placed["sku"], orchestration.STOCK - orchestration.QTY)  # as if reserved and never released
    with pytest.raises(CheckFailed, match="reserved ran 0 time"):
        orchestration._expect_counts(placed, {"reserved": 1}, "a test")
    with pytest.raises(CheckFailed, match="stays taken"):
        orchestration._expect_counts(placed, {"reserved": 0}, "a test")


def test_durable_checks_fail_without_the_function_and_never_pass_on_a_missing_execution(sb, shop, monkeypatch):
    monkeypatch.setattr(orchestration, "DURABLE", "lab10-no-such-function")
    with pytest.raises(CheckFailed, match="There is no function"):
        orchestration.check_durable_order()
    with pytest.raises(CheckFailed, match="There is no function"):
        orchestration.check_durable_compensated(card="declined")


def test_a_graded_notebook_neither_moves_the_clock_nor_runs_the_durable_order(monkeypatch, capsys):
    class Refused:
        def advance(self, seconds: float) -> None:
            raise PermissionError("the grader's")

    monkeypatch.setattr(orchestration.sandbox, "current", lambda: type("Graded", (), {"clock": Refused()})())
    monkeypatch.setattr(orchestration.time, "sleep", lambda seconds: None)
    orchestration._own_clock(60)  # the notebook's own runs wait in real time instead
    orchestration.try_durable(orchestration.order("D-9"))
    assert "the tests run orders through your durable function" in capsys.readouterr().out
    with pytest.raises(PermissionError):
        orchestration._grader_clock(60)  # the checks' clock never swallows a refusal


def _through_the_integration(definition: dict[str, Any]) -> dict[str, Any]:
    """The same workflow with every Task calling Lambda through arn:aws:states:::lambda:invoke, as AWS's own
    examples write it: the function's answer is in the result's Payload, so a ResultSelector keeps just that."""
    converted = copy.deepcopy(definition)
    for state in converted["States"].values():
        if state.get("Type") == "Task":
            state.update(Resource=orchestration.INVOKE_INTEGRATION, ResultSelector={"result.$": "$.Payload"},
                         Parameters={"FunctionName": state["Resource"], "Payload.$": "$"})
    return converted


def test_the_lambda_invoke_integration_is_accepted_and_its_retries_are_counted(sb, shop, unique):
    """https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html (the optimised integration: its
    history has TaskScheduled events with resourceType lambda, and a function's error keeps its errorType)."""
    integrated = _through_the_integration(_reference())
    orchestration.check_workflow_shape(integrated, ARNS)
    _machine(f"integrated-{unique}", integrated)
    orchestration.check_happy_order(f"integrated-{unique}")
    orchestration.check_retried(f"integrated-{unique}")
    orchestration.check_declined(f"integrated-{unique}")


def test_charge_attempts_are_read_from_the_integrations_task_events_too():
    def scheduled(arn: str) -> dict[str, Any]:
        return {"type": "TaskScheduled", "taskScheduledEventDetails": {
            "resourceType": "lambda", "resource": "invoke", "parameters": json.dumps({"FunctionName": arn})}}

    def failed(error: str) -> dict[str, Any]:
        return {"type": "TaskFailed", "taskFailedEventDetails": {"error": error}}

    events = [scheduled(ARNS["charge"]), failed("PaymentServiceBusy"), scheduled(f"{ARNS['charge']}:$LATEST"),
              {"type": "TaskSucceeded"}, scheduled(ARNS["ship"]), failed("AddressNotFound")]
    assert orchestration._charge_attempts(events, ARNS["charge"]) == ["PaymentServiceBusy", None]
