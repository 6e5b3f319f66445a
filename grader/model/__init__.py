"""A cost and scaling model comparing Lambda, Fargate and EKS for one request-serving workload.

Every price and limit comes from `grader/data/facts.toml` through two injectable objects, `Prices` and
`Limits`; each function takes them as optional arguments, so a chapter or a test can change one number
(`Prices.from_facts().with_(fargate_vcpu_hour=0.08)`) and see what moves.

Describe the work::

    from grader.model import Workload, steady, diurnal, spike
    w = Workload(diurnal(peak_rps=200, trough_rps=20), duration_ms=120, memory_mb=1024,
                 task_vcpu=0.5, task_gb=1, per_task_concurrency=20)

Monthly bills (a `CostBreakdown` with named `items` and a `total`, in USD)::

    lambda_cost(w, free_tier=True, provisioned=50)    # requests, GB-seconds, provisioned concurrency
    fargate_cost(w); eks_cost(w)                       # tasks or nodes autoscaling would keep running
    monthly_cost(w, "fargate", prices=...)             # the same by platform name

Where Lambda stops being cheaper (average requests per second, or None)::

    crossover_rate(w, against="fargate"); crossovers(w)

How each platform follows a spike (a `ScalingResult` of per-step arrays and shares)::

    r = simulate(w.with_(rate=spike(50, 2000)), "lambda")
    r.rejected_share, r.cold_start_share

Figures and the widget::

    plot_cost_vs_load(w); plot_spike_response(w.with_(rate=spike(50, 2000)))
    explorer()                        # ipywidgets; explore_view(...) is its plain-function callback

Simplifications: the rate series is taken as representative of the whole month; only the first pricing tier
of Lambda and API Gateway is used; containers are sized by target tracking on a request-count metric; EKS
nodes hold pods by vCPU and memory with no system reservation; ALB or NAT charges are not included.
"""

from grader.model.costs import (
    PLATFORMS,
    CostBreakdown,
    api_gateway_cost,
    eks_cost,
    fargate_cost,
    lambda_cost,
    monthly_cost,
    nodes_needed,
    pods_per_node,
    tasks_needed,
)
from grader.model.crossover import cost_curve, crossover_rate, crossovers
from grader.model.plots import plot_cost_vs_load, plot_spike_response
from grader.model.prices import Limits, Prices
from grader.model.scaling import ScalingResult, simulate, simulate_eks, simulate_fargate, simulate_lambda
from grader.model.widget import ExplorerView, explore_view, explorer
from grader.model.workload import RateSeries, Workload, diurnal, series, spike, steady

__all__ = [
    "PLATFORMS",
    "CostBreakdown",
    "ExplorerView",
    "Limits",
    "Prices",
    "RateSeries",
    "ScalingResult",
    "Workload",
    "api_gateway_cost",
    "cost_curve",
    "crossover_rate",
    "crossovers",
    "diurnal",
    "eks_cost",
    "explore_view",
    "explorer",
    "fargate_cost",
    "lambda_cost",
    "monthly_cost",
    "nodes_needed",
    "plot_cost_vs_load",
    "plot_spike_response",
    "pods_per_node",
    "series",
    "simulate",
    "simulate_eks",
    "simulate_fargate",
    "simulate_lambda",
    "spike",
    "steady",
    "tasks_needed",
]
