"""A cost and scaling model comparing Lambda, Fargate and EKS for one request-serving workload.

Every price and limit comes from `localaws/data/facts.toml` through two injectable objects, `Prices` and
`Limits`; each function takes them as optional arguments, so a chapter or a test can change one number
(`Prices.from_facts().with_(fargate_vcpu_hour=0.08)`) and see what moves.

Describe the work::

    from lambda_course.model import Workload, steady, diurnal, spike
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
    simulate(w, "lambda", provisioned=50)            # 50 environments warm from the start, outside the scaling rate

One function's memory size: CPU share, speed and cost per invocation (a power-tuning sweep)::

    cpu_share(1024); run_seconds(1024, cpu_seconds=0.5, wait_seconds=0.1)
    invocation_cost(1024, duration_ms=120)           # USD, request charge included, before the free tier
    memory_sweep(standard_sizes(), cpu_seconds=1.0); plot_memory_sweep(points)

Little's law and monthly volumes::

    concurrency(300, 0.2)                              # 60 requests in flight
    Workload(per_month(10_000_000), duration_ms=200)   # a steady rate carrying ten million requests a month

Figures and the widget::

    plot_cost_vs_load(w); plot_spike_response(w.with_(rate=spike(50, 2000)))
    plot_responses([simulate(...), ...])               # results already run, one panel each
    explorer()                        # ipywidgets; explore_view(...) is its plain-function callback

What AWS would refuse, the model refuses with the limit's name and value: a Lambda request longer than
`timeout_max_s`, any request longer than API Gateway's integration timeout when an API is in front, memory
or ephemeral storage outside Lambda's range, a payload above the synchronous limit, a Fargate size AWS does
not offer.

Simplifications: the rate series is taken as representative of the whole month; only the first pricing tier
of Lambda and API Gateway is used; containers are sized by target tracking on a request-count metric; EKS
nodes hold pods by vCPU and memory with no system reservation; ALB or NAT charges are not included.
"""

from lambda_course.model.costs import (
    PLATFORMS,
    CostBreakdown,
    api_gateway_cost,
    eks_cost,
    fargate_cost,
    invocation_cost,
    lambda_cost,
    monthly_cost,
    nodes_needed,
    pods_per_node,
    tasks_needed,
)
from lambda_course.model.crossover import cost_curve, crossover_rate, crossovers
from lambda_course.model.memory import SweepPoint, cheapest, cpu_share, memory_sweep, run_seconds, standard_sizes
from lambda_course.model.plots import plot_cost_vs_load, plot_memory_sweep, plot_responses, plot_spike_response
from lambda_course.model.prices import Limits, Prices
from lambda_course.model.scaling import ScalingResult, simulate, simulate_eks, simulate_fargate, simulate_lambda
from lambda_course.model.widget import ExplorerView, explore_view, explorer
from lambda_course.model.workload import RateSeries, Workload, concurrency, diurnal, per_month, series, spike, steady

__all__ = [
    "PLATFORMS",
    "CostBreakdown",
    "ExplorerView",
    "Limits",
    "Prices",
    "RateSeries",
    "ScalingResult",
    "SweepPoint",
    "Workload",
    "api_gateway_cost",
    "cheapest",
    "concurrency",
    "cost_curve",
    "cpu_share",
    "crossover_rate",
    "crossovers",
    "diurnal",
    "eks_cost",
    "explore_view",
    "explorer",
    "fargate_cost",
    "invocation_cost",
    "lambda_cost",
    "memory_sweep",
    "monthly_cost",
    "nodes_needed",
    "per_month",
    "plot_cost_vs_load",
    "plot_memory_sweep",
    "plot_responses",
    "plot_spike_response",
    "pods_per_node",
    "run_seconds",
    "series",
    "simulate",
    "simulate_eks",
    "simulate_fargate",
    "simulate_lambda",
    "spike",
    "standard_sizes",
    "steady",
    "tasks_needed",
]
