"""A rough monthly bill for Lambda Managed Instances, so the bank's arguments about them can be checked in numbers.

Managed Instances bill the EC2 instances a capacity provider runs, plus a management fee on their on-demand
price, plus Lambda's request charge; there is no per-GB-second charge. The estimate takes a compute-heavy load
(each request in flight keeps one vCPU busy), packs it onto c6i.xlarge instances sized for its peak, and keeps
at least one instance running all month, since instances do not scale to zero. Every price comes from
localaws/data/facts.toml.
"""

from __future__ import annotations

import math

from lambda_course.model import Workload
from lambda_course.model.costs import api_gateway_cost
from localaws.facts import value

MIN_INSTANCES = 1


def instances_needed(workload: Workload) -> int:
    """Instances to carry the workload's peak, one vCPU per request in flight, never fewer than MIN_INSTANCES."""
    busy_vcpus = workload.rate.peak * workload.duration_ms / 1000
    return max(MIN_INSTANCES, math.ceil(busy_vcpus / value("ec2_c6i_xlarge_vcpus")))


def monthly_cost(workload: Workload) -> float:
    """Instances at their hourly price plus the management fee for a whole month, the request charge, and API
    Gateway's charge when the workload has an API in front (as the cost model counts it for the other options)."""
    hourly = value("price_ec2_c6i_xlarge_hour") * (1 + value("managed_instances_fee_percent") / 100)
    instances = instances_needed(workload) * hourly * value("hours_per_month")
    requests = workload.rate.mean * value("hours_per_month") * 3600
    return instances + requests / 1e6 * value("price_requests_per_million") + api_gateway_cost(workload)
