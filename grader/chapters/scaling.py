"""A second-by-second simulation of a traffic spike served by Lambda and by a Fargate service.

Lambda's side uses the facts file (account concurrency and the scaling rate). Fargate's side takes its task
start-up time and the delay of its scale-out alarm from the facts file, and leaves to the learner what depends
on the application: how many requests one task serves at once, and the minimum and maximum task counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from grader.facts import value


@dataclass(frozen=True)
class Traffic:
    """Requests per second: a steady base with one rectangular spike."""

    base_rps: float = 50.0
    spike_rps: float = 2000.0
    spike_start_s: int = 60
    spike_length_s: int = 360
    total_s: int = 900
    request_seconds: float = 0.2

    def rate(self, t: int) -> float:
        """Arrival rate at second `t`."""
        in_spike = self.spike_start_s <= t < self.spike_start_s + self.spike_length_s
        return self.spike_rps if in_spike else self.base_rps


def _fact_seconds(key: str) -> int:
    return int(value(key))


@dataclass(frozen=True)
class FargateService:
    """The assumptions behind the Fargate side: capacity per task and how fast the service reacts."""

    requests_per_task: int = 50
    min_tasks: int = 2
    max_tasks: int = 200
    start_seconds: int = field(default_factory=lambda: _fact_seconds("fargate_task_start_s_high"))
    check_every_s: int = field(default_factory=lambda: _fact_seconds("ecs_scale_out_alarm_s"))
    target_utilisation: float = 0.7


@dataclass
class Timeline:
    """Per-second series for one platform: load it could take, load it dropped, units running."""

    served: list[float] = field(default_factory=list)
    rejected: list[float] = field(default_factory=list)
    units: list[float] = field(default_factory=list)
    cold_starts: list[float] = field(default_factory=list)

    def share_served(self) -> float:
        """Fraction of all requests that were served rather than throttled or dropped."""
        total = sum(self.served) + sum(self.rejected)
        return sum(self.served) / total if total else 1.0


@dataclass
class Result:
    """The simulation's output: the demand and each platform's timeline."""

    seconds: list[int]
    demand_rps: list[float]
    lam: Timeline
    fargate: Timeline


def simulate(traffic: Traffic, service: FargateService | None = None,
             account_limit: int | None = None) -> Result:
    """Run both platforms against the same traffic, one second at a time."""
    service = service or FargateService()
    seconds = list(range(traffic.total_s))
    demand = [traffic.rate(t) for t in seconds]
    return Result(seconds, demand, _lambda(traffic, demand, account_limit),
                  _fargate(traffic, demand, service))


def _lambda(traffic: Traffic, demand: list[float], account_limit: int | None) -> Timeline:
    """Environments follow demand, capped by the account quota and by the per-function scaling rate."""
    limit = account_limit if account_limit is not None else value("account_concurrency_default")
    step, every = value("scaling_step_environments"), value("scaling_step_seconds")
    out, environments, added = Timeline(), 0.0, 0.0
    for t, rate in enumerate(demand):
        if t % every == 0:
            added = 0.0  # a new scaling window: the function may add another `step` environments
        wanted = math.ceil(rate * traffic.request_seconds)
        allowed = min(wanted, limit, environments + step - added)
        new = max(0.0, allowed - environments)
        added += new
        environments += new
        out.cold_starts.append(new)
        served = min(rate, allowed / traffic.request_seconds) if traffic.request_seconds else rate
        out.served.append(served)
        out.rejected.append(rate - served)
        out.units.append(allowed)
    return out


def _fargate(traffic: Traffic, demand: list[float], service: FargateService) -> Timeline:
    """Tasks change only when the autoscaler looks, and new tasks serve only after they have started."""
    out, running, pending = Timeline(), service.min_tasks, []  # pending: (ready_at, count)
    for t, rate in enumerate(demand):
        running += sum(count for ready, count in pending if ready == t)
        pending = [(ready, count) for ready, count in pending if ready > t]
        if t > 0 and t % service.check_every_s == 0:
            in_flight = rate * traffic.request_seconds
            wanted = math.ceil(in_flight / (service.requests_per_task * service.target_utilisation))
            wanted = max(service.min_tasks, min(service.max_tasks, wanted))
            coming = running + sum(count for _, count in pending)
            if wanted > coming:
                pending.append((t + service.start_seconds, wanted - coming))
                out.cold_starts.append(wanted - coming)
            else:
                running = wanted if not pending else running
                out.cold_starts.append(0)
        else:
            out.cold_starts.append(0)
        capacity = running * service.requests_per_task
        served = min(rate, capacity / traffic.request_seconds) if traffic.request_seconds else rate
        out.served.append(served)
        out.rejected.append(rate - served)
        out.units.append(running)
    return out
