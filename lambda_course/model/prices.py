"""Prices and limits the model uses, in replaceable objects so a test or a widget can change one."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from localaws.facts import value

INSTANCE_TYPES = ("m6i.large", "c6i.xlarge")


def _n(number: float) -> str:
    """A number for a message: 10,240 and 0.5, never 10240.0."""
    return f"{number:,.6g}" if abs(number) < 1e6 else f"{number:,.0f}"


def _instance_key(instance_type: str) -> str:
    """The fact-key stem of an EC2 instance type, e.g. 'ec2_m6i_large'."""
    return "ec2_" + instance_type.replace(".", "_")


@dataclass(frozen=True)
class Prices:
    """US-east-1 list prices in USD, read from the facts file by `from_facts`."""

    requests_per_million: float
    gb_second_x86: float
    gb_second_arm: float
    provisioned_gb_second: float
    provisioned_execution_gb_second: float
    ephemeral_gb_second: float
    free_requests: float
    free_gb_seconds: float
    fargate_vcpu_hour: float
    fargate_gb_hour: float
    eks_cluster_hour: float
    apigw_http_per_million: float
    apigw_rest_per_million: float
    hours_per_month: float
    ec2_hour: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_facts(cls) -> Prices:
        """Every price from `localaws/data/facts.toml`."""
        ec2 = {name: value(f"price_{_instance_key(name)}_hour") for name in INSTANCE_TYPES}
        return cls(
            requests_per_million=value("price_requests_per_million"),
            gb_second_x86=value("price_gb_second_x86"),
            gb_second_arm=value("price_gb_second_arm"),
            provisioned_gb_second=value("price_provisioned_gb_second"),
            provisioned_execution_gb_second=value("price_provisioned_execution_gb_second"),
            ephemeral_gb_second=value("price_ephemeral_gb_second"),
            free_requests=value("free_tier_requests"),
            free_gb_seconds=value("free_tier_gb_seconds"),
            fargate_vcpu_hour=value("price_fargate_vcpu_hour"),
            fargate_gb_hour=value("price_fargate_gb_hour"),
            eks_cluster_hour=value("price_eks_cluster_hour"),
            apigw_http_per_million=value("price_apigw_http_per_million"),
            apigw_rest_per_million=value("price_apigw_rest_per_million"),
            hours_per_month=value("hours_per_month"),
            ec2_hour=MappingProxyType(ec2),
        )

    def with_(self, **changes: Any) -> Prices:
        """A copy with some prices changed; `ec2_hour` may be given as a plain dict."""
        if "ec2_hour" in changes:
            changes["ec2_hour"] = MappingProxyType({**self.ec2_hour, **changes["ec2_hour"]})
        return replace(self, **changes)

    def gb_second(self, architecture: str) -> float:
        """The on-demand GB-second price for 'x86_64' or 'arm64'."""
        if architecture not in ("x86_64", "arm64"):
            raise ValueError(f"architecture must be 'x86_64' or 'arm64', not {architecture!r}")
        return self.gb_second_arm if architecture == "arm64" else self.gb_second_x86

    @property
    def seconds_per_month(self) -> float:
        """The billing month in seconds."""
        return self.hours_per_month * 3600


@dataclass(frozen=True)
class Instance:
    """An EC2 instance type's size, for packing pods onto EKS nodes."""

    name: str
    vcpus: float
    memory_gib: float


@dataclass(frozen=True)
class Limits:
    """Quotas and typical timings that shape scaling, read from the facts file by `from_facts`."""

    account_concurrency: int
    scaling_step_environments: int
    scaling_step_seconds: float
    idle_lifetime_s: float
    billing_granularity_ms: float
    payload_sync_mb: float
    apigw_timeout_s: float
    apigw_http_metering_kb: float
    memory_min_mb: int
    memory_max_mb: int
    timeout_max_s: float
    tmp_min_mb: int
    tmp_max_mb: int
    memory_per_vcpu_mb: float
    max_vcpus: float
    fargate_task_sizes: tuple
    fargate_task_start_s: float
    fargate_launch_burst: int
    fargate_launch_rate_per_s: float
    ecs_scale_out_s: float
    ecs_scale_in_s: float
    hpa_sync_s: float
    hpa_scale_down_s: float
    eks_node_start_s: float
    instances: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_facts(cls) -> Limits:
        """Every limit and timing from `localaws/data/facts.toml`."""
        instances = {
            name: Instance(
                name, value(f"{_instance_key(name)}_vcpus"), value(f"{_instance_key(name)}_memory_gib")
            )
            for name in INSTANCE_TYPES
        }
        return cls(
            account_concurrency=value("account_concurrency_default"),
            scaling_step_environments=value("scaling_step_environments"),
            scaling_step_seconds=value("scaling_step_seconds"),
            idle_lifetime_s=value("idle_environment_lifetime_s"),
            billing_granularity_ms=value("billing_granularity_ms"),
            payload_sync_mb=value("payload_sync_mb"),
            apigw_timeout_s=value("apigw_integration_timeout_s"),
            apigw_http_metering_kb=value("apigw_http_metering_kb"),
            memory_min_mb=value("memory_min_mb"),
            memory_max_mb=value("memory_max_mb"),
            timeout_max_s=value("timeout_max_s"),
            tmp_min_mb=value("tmp_min_mb"),
            tmp_max_mb=value("tmp_max_mb"),
            memory_per_vcpu_mb=value("memory_per_vcpu_mb"),
            max_vcpus=value("max_vcpus"),
            fargate_task_sizes=tuple(tuple(row) for row in value("fargate_task_sizes")),
            fargate_task_start_s=value("fargate_task_start_s_high"),
            fargate_launch_burst=value("fargate_launch_burst_tasks"),
            fargate_launch_rate_per_s=value("fargate_launch_rate_per_s"),
            ecs_scale_out_s=value("ecs_scale_out_alarm_s"),
            ecs_scale_in_s=value("ecs_scale_in_alarm_s"),
            hpa_sync_s=value("hpa_sync_period_s"),
            hpa_scale_down_s=value("hpa_scale_down_stabilization_s"),
            eks_node_start_s=value("eks_node_start_s"),
            instances=MappingProxyType(instances),
        )

    def with_(self, **changes: Any) -> Limits:
        """A copy with some limits changed."""
        return replace(self, **changes)

    def check_memory(self, memory_mb: float) -> None:
        """Refuse a memory size Lambda does not allow."""
        if not self.memory_min_mb <= memory_mb <= self.memory_max_mb:
            raise ValueError(
                f"A function's memory must be {_n(self.memory_min_mb)}-{_n(self.memory_max_mb)} MB "
                f"(memory_min_mb, memory_max_mb), not {_n(memory_mb)} MB."
            )

    def check_duration(self, duration_ms: float) -> None:
        """Refuse an invocation longer than Lambda's maximum timeout: AWS stops it, so it cannot be priced."""
        if duration_ms > self.timeout_max_s * 1000:
            raise ValueError(
                f"A Lambda invocation runs for at most {_n(self.timeout_max_s)} s (timeout_max_s, "
                f"{_n(self.timeout_max_s / 60)} minutes); this one would take {_n(duration_ms / 1000)} s and be "
                "stopped unfinished. Split the work into shorter steps (a Step Functions workflow or a queue), "
                "or run it on Fargate or EKS."
            )

    def check_api_wait(self, duration_ms: float, api: str | None) -> None:
        """Refuse a request that outlasts API Gateway's integration timeout when an API is in front."""
        if api is not None and duration_ms > self.apigw_timeout_s * 1000:
            raise ValueError(
                f"API Gateway waits at most {_n(self.apigw_timeout_s)} s for its integration "
                f"(apigw_integration_timeout_s); a request taking {_n(duration_ms / 1000)} s would time out "
                "there. Answer sooner and hand the long work to a queue, or model the service with api=None."
            )

    def check_ephemeral(self, ephemeral_mb: float) -> None:
        """Refuse an ephemeral storage (/tmp) size Lambda does not allow."""
        if not self.tmp_min_mb <= ephemeral_mb <= self.tmp_max_mb:
            raise ValueError(
                f"A function's ephemeral storage (/tmp) must be {_n(self.tmp_min_mb)}-{_n(self.tmp_max_mb)} MB "
                f"(tmp_min_mb, tmp_max_mb), not {_n(ephemeral_mb)} MB."
            )

    def instance(self, name: str) -> Instance:
        """The size of an instance type the facts file knows, with a clear error otherwise."""
        if name not in self.instances:
            raise KeyError(f"unknown instance type {name!r}; known: {', '.join(self.instances)}")
        return self.instances[name]
