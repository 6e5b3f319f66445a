"""The orchestration chapter's helpers: reading and drawing an execution's history, running it on the clock, costs.

Retry intervals and back-off as the history records them: AWS Step Functions Developer Guide, "Handling errors in
Step Functions workflows" (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
Prices: AWS Step Functions pricing (https://aws.amazon.com/step-functions/pricing/).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from lambda_course.chapters.workflow_costs import Workload, express_cost, plot_workflow_costs, standard_cost
from lambda_course.chapters.workflows import (
    Attempt,
    ExecutionTooLong,
    attempts,
    plot_execution,
    run_to_end,
    states_entered,
)
from lambda_course.deploy import deploy_function, ensure_role
from localaws.facts import value

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
# A state machine's role must be one Step Functions may assume; these may invoke any function.
INVOKE_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                      "Resource": "*"}]}


def _role() -> str:
    return ensure_role("StepFunctionsRole", INVOKE_ANY, service="states.amazonaws.com")


def _event(kind: str, at: float, **details: object) -> dict:
    return {"type": kind, "timestamp": T0 + timedelta(seconds=at), **details}


def _entered(name: str, at: float, kind: str = "TaskStateEntered") -> dict:
    return _event(kind, at, stateEnteredEventDetails={"name": name})


HISTORY = [
    _event("ExecutionStarted", 0),
    _entered("Charge", 0),
    _event("LambdaFunctionScheduled", 0.1),
    _event("LambdaFunctionFailed", 0.5, lambdaFunctionFailedEventDetails={"error": "Busy"}),
    _event("LambdaFunctionScheduled", 5.5),
    _event("LambdaFunctionFailed", 6.0, lambdaFunctionFailedEventDetails={"error": "Declined"}),
    _event("TaskStateExited", 6.0),
    _entered("Release", 6.0),
    _event("LambdaFunctionScheduled", 6.1),
    _event("LambdaFunctionSucceeded", 6.4, lambdaFunctionSucceededEventDetails={"output": "{}"}),
    _entered("Cancelled", 6.5, kind="FailStateEntered"),
    _event("ExecutionFailed", 6.5),
]


def test_every_attempt_is_read_with_its_state_times_and_error():
    assert attempts(HISTORY) == [Attempt("Charge", 0.1, 0.5, "failed", "Busy"),
                                 Attempt("Charge", 5.5, 6.0, "failed", "Declined"),
                                 Attempt("Release", 6.1, 6.4, "succeeded", None)]
    assert states_entered(HISTORY) == ["Charge", "Release", "Cancelled"]


def test_a_history_without_its_start_is_refused():
    with pytest.raises(ValueError, match="whole history"):
        attempts(HISTORY[1:])


def test_the_timeline_has_a_row_per_state_and_a_bar_per_attempt():
    fig = plot_execution(HISTORY, title="t")
    ax = fig.axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["Charge", "Release", "Cancelled"]
    bars = [patch for patch in ax.patches if patch.get_width() > 0]
    assert sorted(round(bar.get_x(), 1) for bar in bars) == [0.1, 5.5, 6.1]
    assert "waiting to retry" in [text.get_text() for text in ax.get_legend().get_texts()]


def test_standard_workflows_cost_nothing_within_the_free_tier_then_the_price_per_thousand():
    free = int(value("stepfunctions_free_transitions_per_month"))
    assert standard_cost(Workload(free, 1, 1.0)) == 0
    extra = standard_cost(Workload(free + 1000, 1, 1.0))
    assert extra == pytest.approx(value("price_stepfunctions_standard_per_1k_transitions"))


def test_express_rounds_duration_up_to_the_increment_and_memory_to_whole_chunks():
    increment_s = value("stepfunctions_express_billing_increment_ms") / 1000
    chunk = value("stepfunctions_express_memory_chunk_mb")
    one = express_cost(Workload(1000, 5, increment_s / 10, chunk))
    assert express_cost(Workload(1000, 5, increment_s, chunk)) == pytest.approx(one)
    assert express_cost(Workload(1000, 5, increment_s * 1.01, chunk)) > one
    assert express_cost(Workload(1000, 5, 1.0, chunk + 1)) == pytest.approx(express_cost(Workload(1000, 5, 1.0,
                                                                                                   2 * chunk)))
    requests_only = express_cost(Workload(1_000_000, 5, 0.0))
    assert requests_only == pytest.approx(value("price_stepfunctions_express_per_million"))
    assert not math.isclose(express_cost(Workload(1_000_000, 50, 1.0)), standard_cost(Workload(1_000_000, 50, 1.0)))


def test_the_cost_plot_draws_both_types_for_every_volume():
    fig = plot_workflow_costs(4, 2.0, [10, 1000, 100_000])
    lines = fig.axes[0].get_lines()
    assert [len(line.get_xdata()) for line in lines] == [3, 3]
    assert list(lines[0].get_ydata()) == [standard_cost(Workload(n, 4, 2.0)) for n in (10, 1000, 100_000)]


def _waiting_machine(unique: str, seconds: int) -> str:
    return str(boto3.client("stepfunctions").create_state_machine(
        name=f"wait-{unique}", roleArn=_role(), definition=json.dumps({"StartAt": "Later", "States": {
            "Later": {"Type": "Wait", "Seconds": seconds, "End": True}}}))["stateMachineArn"])


def test_run_to_end_moves_the_clock_through_a_wait(sb, unique):
    sfn = boto3.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=_waiting_machine(unique, 30))["executionArn"]
    assert run_to_end(sb, arn, step=5, timeout=30).status == "SUCCEEDED"
    events = {event["type"]: event for event in sfn.get_execution_history(executionArn=arn)["events"]}
    assert (events["WaitStateExited"]["timestamp"] - events["WaitStateEntered"]["timestamp"]).total_seconds() >= 30


def test_run_to_end_moves_the_clock_through_retry_intervals(sb, unique):
    flaky = deploy_function(f"always-fails-{unique}", "def handler(event, context):\n    raise ValueError('no')\n")
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"retry-{unique}", roleArn=_role(), definition=json.dumps({
        "StartAt": "Try", "States": {"Try": {"Type": "Task", "Resource": flaky["FunctionArn"], "End": True,
                                             "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 20,
                                                        "MaxAttempts": 1}]}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    result = run_to_end(sb, arn, step=5, timeout=60)
    assert (result.status, result.error) == ("FAILED", "ValueError")
    tries = attempts(sfn.get_execution_history(executionArn=arn)["events"])
    assert [t.error for t in tries] == ["ValueError", "ValueError"] and tries[1].start - tries[0].end >= 20


def test_run_to_end_gives_up_loudly_after_its_real_time(sb, unique):
    sfn = boto3.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=_waiting_machine(unique, 10**7))["executionArn"]
    with pytest.raises(ExecutionTooLong, match="still running"):
        run_to_end(sb, arn, step=1, timeout=0.5)
    sfn.stop_execution(executionArn=arn)
