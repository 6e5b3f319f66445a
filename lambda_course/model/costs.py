"""Monthly bills for one workload on Lambda, Fargate and EKS, line by line."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lambda_course.model.prices import Limits, Prices
from lambda_course.model.workload import Workload

PLATFORMS = ("lambda", "fargate", "eks")
_EPS = 1e-9


@dataclass(frozen=True)
class CostBreakdown:
    """One platform's monthly bill in USD as named line items."""

    platform: str
    items: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """The whole monthly bill."""
        return sum(self.items.values())


def _ceil(x: np.ndarray | float) -> np.ndarray:
    """Ceiling that ignores floating-point dust, so 7.0000000001 tasks stays 7."""
    return np.ceil(np.asarray(x, dtype=float) - _EPS)


def monthly_requests(workload: Workload, prices: Prices) -> float:
    """Requests in a month, taking the rate series as representative of the whole month."""
    return workload.rate.mean * prices.seconds_per_month


def api_gateway_cost(workload: Workload, prices: Prices | None = None, limits: Limits | None = None) -> float:
    """API Gateway's monthly charge (first pricing tier); HTTP APIs meter large requests in several units."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    if workload.api is None:
        return 0.0
    limits.check_api_wait(workload.duration_ms, workload.api)
    requests = monthly_requests(workload, prices)
    if workload.api == "rest":
        return requests / 1e6 * prices.apigw_rest_per_million
    units = max(1, math.ceil(workload.payload_kb / limits.apigw_http_metering_kb - _EPS))
    return requests * units / 1e6 * prices.apigw_http_per_million


def billed_seconds(duration_ms: float, limits: Limits) -> float:
    """One invocation's billed duration: rounded up to the billing granularity."""
    step = limits.billing_granularity_ms
    return math.ceil(duration_ms / step - _EPS) * step / 1000


def invocation_cost(
    memory_mb: float,
    duration_ms: float,
    architecture: str = "x86_64",
    prices: Prices | None = None,
    limits: Limits | None = None,
) -> float:
    """USD for one on-demand invocation before any free tier: the request charge plus billed GB-seconds."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    limits.check_memory(memory_mb)
    limits.check_duration(duration_ms)
    gb_seconds = billed_seconds(duration_ms, limits) * memory_mb / 1024
    return prices.requests_per_million / 1e6 + gb_seconds * prices.gb_second(architecture)


def provisioned_share(workload: Workload, provisioned: int) -> float:
    """The share of execution time that provisioned environments absorb; the rest spills to on-demand."""
    demand = workload.concurrency
    if provisioned <= 0 or demand.mean() == 0:
        return 0.0
    return float(np.minimum(demand, provisioned).mean() / demand.mean())


def check_lambda(workload: Workload, limits: Limits) -> None:
    """Refuse a configuration Lambda itself would refuse, or a request the API in front would give up on."""
    limits.check_memory(workload.memory_mb)
    limits.check_ephemeral(workload.ephemeral_mb)
    limits.check_duration(workload.duration_ms)
    limits.check_api_wait(workload.duration_ms, workload.api)
    if workload.payload_kb > limits.payload_sync_mb * 1024:
        raise ValueError(
            f"A synchronous invocation carries at most {limits.payload_sync_mb:g} MB (payload_sync_mb), not "
            f"{workload.payload_kb:,g} KB; put bigger payloads in S3 and pass their key."
        )


def lambda_cost(
    workload: Workload,
    prices: Prices | None = None,
    limits: Limits | None = None,
    free_tier: bool = False,
    provisioned: int = 0,
) -> CostBreakdown:
    """Lambda's monthly bill: requests, GB-seconds, optional free tier and provisioned concurrency."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    check_lambda(workload, limits)
    requests = monthly_requests(workload, prices)
    gb = workload.memory_mb / 1024
    gb_seconds = requests * billed_seconds(workload.duration_ms, limits) * gb
    on_provisioned = gb_seconds * provisioned_share(workload, provisioned)
    on_demand = gb_seconds - on_provisioned
    free_requests = prices.free_requests if free_tier else 0
    free_gb_seconds = prices.free_gb_seconds if free_tier else 0
    extra_tmp_gb = max(0, workload.ephemeral_mb - limits.tmp_min_mb) / 1024
    items = {
        "requests": max(0.0, requests - free_requests) / 1e6 * prices.requests_per_million,
        "compute": max(0.0, on_demand - free_gb_seconds) * prices.gb_second(workload.architecture),
        "ephemeral storage": requests
        * billed_seconds(workload.duration_ms, limits)
        * extra_tmp_gb
        * prices.ephemeral_gb_second,
        "api gateway": api_gateway_cost(workload, prices, limits),
    }
    if provisioned > 0:
        enabled = provisioned * gb * prices.seconds_per_month
        items["provisioned (enabled)"] = enabled * prices.provisioned_gb_second
        items["provisioned (execution)"] = on_provisioned * prices.provisioned_execution_gb_second
    return CostBreakdown("lambda", items)


def tasks_needed(workload: Workload) -> np.ndarray:
    """Tasks (or pods) that target-tracking autoscaling would run at each step, never below the minimum."""
    per_task = workload.per_task_concurrency * workload.target_utilization
    return np.maximum(workload.min_tasks, _ceil(workload.concurrency / per_task))


def check_fargate_size(workload: Workload, limits: Limits) -> None:
    """Refuse a task size Fargate does not offer."""
    for vcpu, low_gb, high_gb in limits.fargate_task_sizes:
        if math.isclose(vcpu, workload.task_vcpu) and low_gb <= workload.task_gb <= high_gb:
            return
    raise ValueError(f"Fargate has no task of {workload.task_vcpu} vCPU with {workload.task_gb} GB")


def fargate_cost(
    workload: Workload, prices: Prices | None = None, limits: Limits | None = None
) -> CostBreakdown:
    """Fargate's monthly bill: vCPU-hours and GB-hours of the tasks autoscaling keeps running."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    check_fargate_size(workload, limits)
    task_hours = float(tasks_needed(workload).mean()) * prices.hours_per_month
    items = {
        "vcpu": task_hours * workload.task_vcpu * prices.fargate_vcpu_hour,
        "memory": task_hours * workload.task_gb * prices.fargate_gb_hour,
        "api gateway": api_gateway_cost(workload, prices, limits),
    }
    return CostBreakdown("fargate", items)


def pods_per_node(workload: Workload, limits: Limits) -> int:
    """How many pods of the task size fit on one node, by vCPU and by memory (system overhead ignored)."""
    node = limits.instance(workload.instance_type)
    fit = int(min(node.vcpus / workload.task_vcpu, node.memory_gib / workload.task_gb) + _EPS)
    if fit < 1:
        raise ValueError(
            f"a pod of {workload.task_vcpu} vCPU / {workload.task_gb} GB does not fit a {node.name}"
        )
    return fit


def nodes_needed(workload: Workload, limits: Limits) -> np.ndarray:
    """Nodes needed at each step to hold the pods, never below the minimum node count."""
    return np.maximum(workload.min_nodes, _ceil(tasks_needed(workload) / pods_per_node(workload, limits)))


def eks_cost(workload: Workload, prices: Prices | None = None, limits: Limits | None = None) -> CostBreakdown:
    """EKS's monthly bill: the control plane plus on-demand EC2 nodes sized to hold the pods."""
    prices, limits = prices or Prices.from_facts(), limits or Limits.from_facts()
    if workload.instance_type not in prices.ec2_hour:
        raise KeyError(f"no price for instance type {workload.instance_type!r}")
    node_hours = float(nodes_needed(workload, limits).mean()) * prices.hours_per_month
    items = {
        "control plane": prices.hours_per_month * prices.eks_cluster_hour,
        "nodes": node_hours * prices.ec2_hour[workload.instance_type],
        "api gateway": api_gateway_cost(workload, prices, limits),
    }
    return CostBreakdown("eks", items)


def monthly_cost(
    workload: Workload,
    platform: str,
    prices: Prices | None = None,
    limits: Limits | None = None,
    **options: object,
) -> CostBreakdown:
    """The monthly bill on one platform by name; extra options go to `lambda_cost`."""
    if platform == "lambda":
        return lambda_cost(workload, prices, limits, **options)  # type: ignore[arg-type]
    if platform == "fargate":
        return fargate_cost(workload, prices, limits)
    if platform == "eks":
        return eks_cost(workload, prices, limits)
    raise ValueError(f"platform must be one of {PLATFORMS}, not {platform!r}")
