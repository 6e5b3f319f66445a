"""How each platform follows a changing load: capacity over time, throttled or dropped requests, cold starts.

Lambda adds execution environments as requests arrive, limited by the account's concurrency quota and by how
fast one function may add environments; requests beyond that are throttled. Fargate and EKS add tasks or pods
only after autoscaling notices the load and the new capacity has started; meanwhile requests wait in a queue
and are dropped once they would wait longer than API Gateway's integration timeout. Autoscaling is modelled
on a request-count metric (it sees the offered load, not a saturated CPU).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lambda_course.model.costs import check_lambda, pods_per_node
from lambda_course.model.prices import Limits
from lambda_course.model.workload import Workload

_EPS = 1e-9


@dataclass(frozen=True)
class ScalingResult:
    """A platform's response to a rate series, one value per step.

    `demand` and `served` are concurrency (requests in flight); `capacity` is what the platform could hold
    (environments, or tasks times per-task concurrency); `requests`, `rejected`, `queued` and `cold` count
    requests in each step; `started` counts environments, tasks or pods started in each step.
    """

    platform: str
    times: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    served: np.ndarray
    requests: np.ndarray
    rejected: np.ndarray
    queued: np.ndarray
    cold: np.ndarray
    started: np.ndarray

    @property
    def rejected_share(self) -> float:
        """Throttled (Lambda) or dropped (containers) requests as a share of all requests."""
        total = self.requests.sum()
        return float(self.rejected.sum() / total) if total else 0.0

    @property
    def cold_start_share(self) -> float:
        """Requests that waited for a new execution environment, as a share of all requests."""
        total = self.requests.sum()
        return float(self.cold.sum() / total) if total else 0.0


def _ceil(x: float) -> int:
    """Ceiling that ignores floating-point dust."""
    return math.ceil(x - _EPS)


def simulate_lambda(
    workload: Workload,
    limits: Limits | None = None,
    concurrency_limit: int | None = None,
    warm: bool = True,
    provisioned: int = 0,
) -> ScalingResult:
    """Lambda's response: environments grow on demand, at most `scaling_step_environments` per step window.

    `concurrency_limit` replaces the account quota (e.g. reserved concurrency); with `warm`, the environments
    the first step needs already exist. Idle environments are reclaimed after `idle_lifetime_s`.
    `provisioned` environments exist from the start, are never reclaimed and take no part of the scaling
    rate; on-demand environments are added only for the load above them, up to the rest of the quota.
    """
    limits = limits or Limits.from_facts()
    check_lambda(workload, limits)
    quota = concurrency_limit if concurrency_limit is not None else limits.account_concurrency
    if not 0 <= provisioned <= quota:
        raise ValueError(
            f"Provisioned concurrency comes out of the function's concurrency, so it must be 0-{quota:,}, "
            f"not {provisioned:,}; raise the quota (concurrency_limit) first."
        )
    rates, demand = workload.rate.values, workload.concurrency
    above = np.maximum(0.0, demand - provisioned)
    on_demand, started = _on_demand_pool(above, quota - provisioned, warm, workload.rate.step_s, limits)
    capacity = on_demand + provisioned
    served = np.minimum(demand, capacity)
    requests = rates * workload.rate.step_s
    share_served = np.divide(served, demand, out=np.ones(len(rates)), where=demand > 0)
    cold = np.minimum(started, requests * share_served)
    rejected = requests * (1 - share_served)
    queued = np.zeros(len(rates))
    return ScalingResult(
        "lambda", workload.rate.times, demand, capacity, served, requests, rejected, queued, cold, started
    )


def _on_demand_pool(
    demand: np.ndarray, quota: int, warm: bool, dt: float, limits: Limits
) -> tuple[np.ndarray, np.ndarray]:
    """On-demand environments per step for a concurrency demand, and how many were started in each step."""
    window = max(1, round(limits.scaling_step_seconds / dt))
    per_window = limits.scaling_step_environments * max(1.0, dt / limits.scaling_step_seconds)
    keep = max(1, round(limits.idle_lifetime_s / dt))
    n = len(demand)
    pool_series, served, started = np.zeros(n), np.zeros(n), np.zeros(n)
    pool = min(_ceil(demand[0]), quota) if warm else 0
    for i in range(n):
        budget = per_window - started[max(0, i - window + 1) : i].sum()
        new = int(max(0, min(min(_ceil(demand[i]), quota) - pool, budget)))
        pool += new
        started[i], pool_series[i] = new, pool
        served[i] = min(demand[i], pool)
        pool = min(pool, _ceil(served[max(0, i - keep + 1) : i + 1].max()))
    return pool_series, started


def _desired(workload: Workload, concurrency: float) -> int:
    """Tasks or pods target tracking asks for to hold `concurrency` at the target utilisation."""
    per_task = workload.per_task_concurrency * workload.target_utilization
    return max(workload.min_tasks, _ceil(concurrency / per_task))


@dataclass
class _Backlog:
    """Requests waiting for a free slot; those that would wait longer than `max_wait_s` are dropped."""

    max_wait_s: float
    waiting: float = 0.0

    def step(self, arrivals: float, throughput: float, dt: float) -> tuple[float, float]:
        """Serve what capacity allows this step; return (requests served, requests dropped)."""
        done = min(self.waiting + arrivals, throughput * dt)
        self.waiting += arrivals - done
        dropped = max(0.0, self.waiting - throughput * self.max_wait_s)
        self.waiting -= dropped
        return done, dropped


@dataclass
class _Autoscaler:
    """Target tracking on the offered load: scale out once it stays high for `out_s`, in after `in_s` low."""

    workload: Workload
    out_steps: int
    in_steps: int

    def target(self, demand: np.ndarray, i: int, current: int) -> int:
        """The task or pod count to aim for at step `i`, given `current`."""
        out = _desired(self.workload, demand[max(0, i - self.out_steps + 1) : i + 1].min())
        if out > current:
            return out
        return min(current, _desired(self.workload, demand[max(0, i - self.in_steps + 1) : i + 1].max()))


def _finish(name: str, workload: Workload, capacity_tasks: np.ndarray, started: np.ndarray, limits: Limits):
    """Run the queue against a capacity series and assemble the result."""
    dt, rates = workload.rate.step_s, workload.rate.values
    duration_s = workload.duration_ms / 1000
    backlog = _Backlog(limits.apigw_timeout_s)
    n = len(rates)
    served, rejected, queued = np.zeros(n), np.zeros(n), np.zeros(n)
    capacity = capacity_tasks * workload.per_task_concurrency
    for i in range(n):
        done, rejected[i] = backlog.step(rates[i] * dt, capacity[i] / duration_s, dt)
        served[i], queued[i] = done / dt * duration_s, backlog.waiting
    return ScalingResult(
        name,
        workload.rate.times,
        workload.concurrency,
        capacity,
        served,
        rates * dt,
        rejected,
        queued,
        np.zeros(n),
        started,
    )


def _steps(seconds: float, dt: float) -> int:
    """A duration in whole steps, at least one."""
    return max(1, round(seconds / dt))


def simulate_fargate(workload: Workload, limits: Limits | None = None) -> ScalingResult:
    """Fargate's response: tasks start `fargate_task_start_s` after the scale-out alarm fires.

    Launches draw on Fargate's token bucket (a burst, then a sustained rate); before the series starts the
    service is assumed steady at the first step's load.
    """
    limits = limits or Limits.from_facts()
    limits.check_api_wait(workload.duration_ms, workload.api)
    dt, demand = workload.rate.step_s, workload.concurrency
    scaler = _Autoscaler(workload, _steps(limits.ecs_scale_out_s, dt), _steps(limits.ecs_scale_in_s, dt))
    delay = _steps(limits.fargate_task_start_s, dt)
    n = len(demand)
    ready_at = np.zeros(n + delay)
    running, pending, tokens = _desired(workload, demand[0]), 0, float(limits.fargate_launch_burst)
    tasks, started = np.zeros(n), np.zeros(n)
    for i in range(n):
        tokens = min(limits.fargate_launch_burst, tokens + limits.fargate_launch_rate_per_s * dt)
        target = scaler.target(demand, i, running + pending)
        if target > running + pending:
            launch = int(min(target - running - pending, tokens))
            tokens -= launch
            pending += launch
            ready_at[i + delay] += launch
        elif target < running and pending == 0:
            running = target
        arrived = int(ready_at[i])
        running, pending, started[i], tasks[i] = (
            running + arrived,
            pending - arrived,
            arrived,
            running + arrived,
        )
    return _finish("fargate", workload, tasks, started, limits)


def simulate_eks(workload: Workload, limits: Limits | None = None) -> ScalingResult:
    """EKS's response: the HPA adds pods every sync period; pods start at once on nodes with room, otherwise
    when a new node is ready `eks_node_start_s` later. Nodes follow pods down after the HPA's stabilisation.
    """
    limits = limits or Limits.from_facts()
    limits.check_api_wait(workload.duration_ms, workload.api)
    dt, demand = workload.rate.step_s, workload.concurrency
    per_node = pods_per_node(workload, limits)
    scaler = _Autoscaler(workload, _steps(limits.hpa_sync_s, dt), _steps(limits.hpa_scale_down_s, dt))
    delay = _steps(limits.eks_node_start_s, dt)
    n = len(demand)
    node_ready_at = np.zeros(n + delay)
    pods = _desired(workload, demand[0])
    nodes, nodes_pending = max(workload.min_nodes, _ceil(pods / per_node)), 0
    wanted = pods
    pod_series, started = np.zeros(n), np.zeros(n)
    for i in range(n):
        wanted = scaler.target(demand, i, wanted)
        need_nodes = max(workload.min_nodes, _ceil(wanted / per_node))
        if need_nodes > nodes + nodes_pending:
            node_ready_at[i + delay] += need_nodes - nodes - nodes_pending
            nodes_pending = need_nodes - nodes
        arrived = int(node_ready_at[i])
        nodes, nodes_pending = nodes + arrived, nodes_pending - arrived
        if nodes_pending == 0 and need_nodes < nodes:
            nodes = need_nodes
        new_pods = min(wanted, nodes * per_node)
        started[i], pods = max(0, new_pods - pods), new_pods
        pod_series[i] = pods
    return _finish("eks", workload, pod_series, started, limits)


def simulate(
    workload: Workload, platform: str, limits: Limits | None = None, provisioned: int = 0
) -> ScalingResult:
    """The response of one platform by name: 'lambda', 'fargate' or 'eks'; `provisioned` is Lambda's only."""
    runners = {"lambda": simulate_lambda, "fargate": simulate_fargate, "eks": simulate_eks}
    if platform not in runners:
        raise ValueError(f"platform must be one of {tuple(runners)}, not {platform!r}")
    if platform == "lambda":
        return simulate_lambda(workload, limits, provisioned=provisioned)
    if provisioned:
        raise ValueError(f"Provisioned concurrency is a Lambda setting; {platform} has no such option.")
    return runners[platform](workload, limits)
