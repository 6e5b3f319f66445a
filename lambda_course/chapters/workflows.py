"""Run a Step Functions execution to its end on the sandbox clock, and draw its history as a timeline.

    result = run_to_end(sb, arn)                  # moves the clock through Retry intervals and Wait states
    events = [e for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
              for e in page["events"]]
    plot_execution(events)                        # states on the y axis, seconds on x, one bar per attempt
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from localaws.sandbox import Sandbox
from localaws.stepfunctions.registry import ExecutionResult, ExecutionStillRunning

# The last event of a history that waits for the clock: a failed attempt (a retry may be due) or a Wait state.
WAITING_FOR_CLOCK = {"LambdaFunctionFailed", "LambdaFunctionTimedOut", "WaitStateEntered"}
ATTEMPT_ENDS = {"LambdaFunctionSucceeded": "succeeded", "LambdaFunctionFailed": "failed",
                "LambdaFunctionTimedOut": "timed out"}
COLOURS = {"succeeded": "tab:green", "failed": "tab:red", "timed out": "tab:orange"}


class ExecutionTooLong(TimeoutError):
    """An execution did not end within the real time allowed for it."""


@dataclass(frozen=True)
class Attempt:
    """One run of a Lambda task: which state ran it, when (seconds since the execution started) and how it ended."""

    state: str
    start: float
    end: float
    outcome: str  # succeeded, failed or timed out
    error: str | None = None


def run_to_end(sb: Sandbox, execution_arn: str, step: float = 1.0, timeout: float = 60.0) -> ExecutionResult:
    """Wait for an execution to end, moving the sandbox clock `step` seconds whenever it waits for the clock."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return sb.wait_for_execution(execution_arn, timeout=0.25)
        except ExecutionStillRunning:
            if time.monotonic() > deadline:
                raise ExecutionTooLong(f"{execution_arn} was still running after {timeout:g} s of real time; "
                                       "look at its history for the state it is stuck in") from None
            if _last_event_type(execution_arn) in WAITING_FOR_CLOCK:
                sb.clock.advance(step)


def _last_event_type(execution_arn: str) -> str:
    """The type of the newest event in the execution's history (asked for alone: newest first, one event)."""
    events = boto3.client("stepfunctions").get_execution_history(executionArn=execution_arn, reverseOrder=True,
                                                                 maxResults=1)["events"]
    return str(events[0]["type"]) if events else ""


def _seconds(event: dict[str, Any], started: dict[str, Any]) -> float:
    return float((event["timestamp"] - started["timestamp"]).total_seconds())


def attempts(events: Sequence[dict[str, Any]]) -> list[Attempt]:
    """Every Lambda task attempt in a history (oldest first), retries included, with the state that made it."""
    if not events or events[0]["type"] != "ExecutionStarted":
        raise ValueError("pass the whole history, oldest first, as get_execution_history returns it")
    found: list[Attempt] = []
    state, began = "", 0.0
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            state = event["stateEnteredEventDetails"]["name"]
        elif kind == "LambdaFunctionScheduled":
            began = _seconds(event, events[0])
        elif kind in ATTEMPT_ENDS:
            details: dict[str, Any] = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            found.append(Attempt(state, began, _seconds(event, events[0]), ATTEMPT_ENDS[kind], details.get("error")))
    return found


def states_entered(events: Sequence[dict[str, Any]]) -> list[str]:
    """The names of the states the execution entered, in order (a state entered twice appears twice)."""
    return [event["stateEnteredEventDetails"]["name"] for event in events if event["type"].endswith("StateEntered")]


def _legend() -> list[Artist]:
    """What the timeline's marks mean."""
    return [Patch(color=COLOURS["succeeded"], label="attempt succeeded"),
            Patch(color=COLOURS["failed"], label="attempt failed"),
            Line2D([], [], linestyle=":", color="grey", label="waiting to retry"),
            Line2D([], [], linestyle="", marker="x", color="tab:red", mew=3, label="execution failed")]


def plot_execution(events: Sequence[dict[str, Any]], title: str = "Execution") -> Figure:
    """A timeline of one execution: a bar per task attempt, dotted retry waits, and a cross where it failed."""
    runs = attempts(events)
    names = list(dict.fromkeys(states_entered(events)))
    row = {name: index for index, name in enumerate(names)}
    fig = Figure(figsize=(9.5, 0.55 * len(names) + 1.6))
    ax = fig.subplots()
    for previous, attempt in zip([None, *runs], runs, strict=False):
        ax.barh(row[attempt.state], max(attempt.end - attempt.start, 0.15), left=attempt.start, height=0.5,
                color=COLOURS[attempt.outcome])
        if attempt.error:
            ax.annotate(attempt.error, (attempt.end, row[attempt.state]), xytext=(4, 8), textcoords="offset points",
                        fontsize=8, color=COLOURS[attempt.outcome])
        if previous is not None and previous.state == attempt.state:
            ax.plot([previous.end, attempt.start], [row[attempt.state]] * 2, ":", color="grey")
    ended = events[-1]
    if ended["type"] == "ExecutionFailed":
        ax.plot(_seconds(ended, events[0]), row[names[-1]], "x", color="tab:red", markersize=12, mew=3)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    ax.set_xlim(left=-0.02 * max(_seconds(ended, events[0]), 1.0))
    ax.set_xlabel("seconds since the execution started (sandbox clock)")
    ax.set_title(title)
    ax.legend(handles=_legend(), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    return fig
