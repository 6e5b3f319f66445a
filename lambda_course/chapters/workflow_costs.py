"""What a month of Step Functions executions costs as a Standard or as an Express workflow, from the price facts.

Standard workflows are billed per state transition (retries included), after a monthly free tier; Express ones
per execution started plus duration x memory, the duration rounded up to a billing increment and the memory to
whole chunks (AWS Step Functions pricing, https://aws.amazon.com/step-functions/pricing/).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from localaws.facts import value

MB_PER_GB = 1024


@dataclass(frozen=True)
class Workload:
    """A month of executions of one workflow: how many, and what each one does."""

    executions: int
    transitions: int  # state transitions per execution, retries included
    seconds: float  # how long one execution runs
    memory_mb: float = 64  # memory an Express execution uses: grows with the definition and the data


def standard_cost(work: Workload) -> float:
    """USD a month as a Standard workflow: every transition past the free tier."""
    billed = max(0, work.executions * work.transitions - value("stepfunctions_free_transitions_per_month"))
    return billed / 1000 * value("price_stepfunctions_standard_per_1k_transitions")


def express_cost(work: Workload) -> float:
    """USD a month as an Express workflow: a price per execution, plus billed duration x billed memory."""
    increment_s = value("stepfunctions_express_billing_increment_ms") / 1000
    chunk_mb = value("stepfunctions_express_memory_chunk_mb")
    billed_s = math.ceil(round(work.seconds / increment_s, 9)) * increment_s
    billed_gb = math.ceil(work.memory_mb / chunk_mb) * chunk_mb / MB_PER_GB
    requests = work.executions / 1_000_000 * value("price_stepfunctions_express_per_million")
    return requests + work.executions * billed_s * billed_gb * value("price_stepfunctions_express_gb_second")


def plot_workflow_costs(transitions: int, seconds: float, volumes: Sequence[int], memory_mb: float = 64) -> Figure:
    """Monthly cost of both workflow types against the number of executions a month, on log scales."""
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    work = [Workload(n, transitions, seconds, memory_mb) for n in volumes]
    ax.plot(volumes, [standard_cost(w) for w in work], "o-", label="Standard (per transition)")
    ax.plot(volumes, [express_cost(w) for w in work], "s-", label="Express (per execution and duration)")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=0.01)
    ax.set_ylim(bottom=0)  # a month inside the free tier costs nothing; nothing costs less
    ax.set_xlabel("executions a month")
    ax.set_ylabel("USD a month")
    ax.set_title(f"{transitions} transitions, {seconds:g} s and {memory_mb:g} MB per execution")
    ax.legend()
    fig.tight_layout()
    return fig
