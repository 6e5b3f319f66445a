"""Scaling behaviour checked against hand calculations from the quotas and timings in the facts file."""

import numpy as np
import pytest

from lambda_course.model import (
    Limits,
    Workload,
    series,
    simulate,
    simulate_eks,
    simulate_fargate,
    simulate_lambda,
    spike,
)
from localaws.facts import value


def test_lambda_adds_1000_environments_every_10_seconds():
    """25,000 req/s x 0.2 s = 5,000 in flight from a standing start, quota raised to 10,000.

    Capacity grows 1,000 per 10 s: 1,000, 2,000, 3,000, 4,000 for 10 s each, then 5,000.
    Throttled per second: 25,000 x (1 - k/5) for k = 1..4,
    so (20,000 + 15,000 + 10,000 + 5,000) x 10 = 500,000.
    Cold starts: the 5,000 environments created.
    """
    w = Workload(spike(0, 25_000, at_s=10, length_s=100, total_s=120), duration_ms=200)
    r = simulate_lambda(w, concurrency_limit=10_000)
    step = value("scaling_step_environments")
    assert list(r.capacity[10:60:10]) == [step, 2 * step, 3 * step, 4 * step, 5 * step]
    assert r.rejected.sum() == pytest.approx(500_000)
    assert r.cold.sum() == 5_000


def test_lambda_capped_by_the_account_quota():
    """20,000 req/s x 0.2 s = 4,000 in flight against the default quota of 1,000: 3/4 throttled.

    Base 100 req/s x 0.2 = 20 in flight fits; spike requests: 20,000 x 300 s = 6,000,000; 4,500,000 throttled.
    """
    w = Workload(spike(100, 20_000, at_s=60, length_s=300, total_s=900), duration_ms=200)
    r = simulate_lambda(w)
    assert r.capacity.max() == value("account_concurrency_default")
    assert r.rejected.sum() == pytest.approx(4_500_000)


def test_lambda_cold_start_share_of_a_steady_load():
    """10 req/s x 0.25 s = 2.5 in flight -> 3 environments, started cold; 60 s gives 600 requests -> 3/600."""
    r = simulate_lambda(Workload(series([10] * 60, step_s=1), duration_ms=250), warm=False)
    assert r.cold_start_share == pytest.approx(3 / 600)
    assert simulate_lambda(Workload(series([10] * 60, step_s=1), duration_ms=250)).cold.sum() == 0


def test_lambda_reclaims_idle_environments_after_ten_minutes():
    """One request, then silence: after 300 s it finds a warm environment, after 700 s (> 600) a cold one."""

    def cold_after(gap_s: int) -> float:
        rates = [1.0] + [0.0] * gap_s + [1.0]
        return simulate_lambda(Workload(series(rates, step_s=1), duration_ms=100), warm=False).cold[-1]

    assert value("idle_environment_lifetime_s") == 600
    assert cold_after(300) == 0
    assert cold_after(700) == 1


def test_fargate_spike_waits_for_the_alarm_and_the_task_start():
    """10 -> 1,000 req/s at 100 ms: 2 tasks (20 in flight, 200 req/s) until the alarm (180 s) + start (45 s).

    Tasks are ready 179 + 45 = 224 s after the spike began. Excess meanwhile: 800 req/s x 224 s =
    179,200, of which the queue holds 200 req/s x 29 s = 5,800 (API Gateway's timeout); 173,400 dropped.
    Then 15 tasks (ceil(100/7)) serve 1,500 req/s and the queue drains.
    """
    w = Workload(spike(10, 1000, at_s=60, length_s=400, total_s=900), duration_ms=100)
    r = simulate_fargate(w)
    delay = value("ecs_scale_out_alarm_s") - 1 + value("fargate_task_start_s_high")
    assert r.capacity[60 + delay - 1] == 20
    assert r.capacity[60 + delay] == 150
    assert r.rejected.sum() == pytest.approx(173_400)
    assert r.queued[60 + delay - 1] == pytest.approx(5_800)


def test_eks_uses_spare_node_room_then_waits_for_nodes():
    """10 -> 1,000 req/s at 100 ms on m6i.large with 4 pods per node; 2 pods on 2 nodes before the spike.

    The HPA reacts after 15 s (step 14): 15 pods wanted, 8 fit at once (2 nodes x 4) -> 800 req/s.
    Two more nodes are ready 60 s later (step 74). Dropped: first 14 s excess 800 x 14 = 11,200 less the 5,800
    the queue holds = 5,400; with 8 pods the queue grows 200/s to 17,800 < 800 x 29 = 23,200, so nothing more.
    """
    w = Workload(spike(10, 1000, at_s=60, length_s=400, total_s=900), duration_ms=100)
    r = simulate_eks(w)
    assert r.capacity[60 + 13] == 20
    assert r.capacity[60 + 14] == 80
    assert r.capacity[60 + 14 + value("eks_node_start_s")] == 150
    assert r.rejected.sum() == pytest.approx(5_400)


def test_faster_task_start_drops_less():
    """Halving Fargate's start time can only reduce dropped requests during the same spike."""
    w = Workload(spike(10, 1000, at_s=60, length_s=400, total_s=900), duration_ms=100)
    limits = Limits.from_facts()
    slow = simulate_fargate(w, limits)
    fast = simulate_fargate(w, limits.with_(fargate_task_start_s=limits.fargate_task_start_s / 2))
    assert fast.rejected.sum() < slow.rejected.sum()


def test_fargate_launch_rate_limits_big_scale_outs():
    """20,000 req/s x 0.1 s = 2,000 in flight needs ceil(2,000 / 7) = 286 tasks.

    The first 100 launch at once (the burst), then 20 a second.
    """
    w = Workload(spike(1, 20_000, at_s=10, length_s=400, total_s=500), duration_ms=100)
    r = simulate_fargate(w)
    started = np.flatnonzero(r.started)
    assert r.started[started[0]] == value("fargate_launch_burst_tasks")
    assert r.started[started[1]] == value("fargate_launch_rate_per_s")


def test_simulate_dispatches_and_rejects_unknown_platforms():
    """`simulate` runs the named platform and refuses others."""
    w = Workload(spike(1, 10, total_s=120), duration_ms=100)
    assert {simulate(w, p).platform for p in ("lambda", "fargate", "eks")} == {"lambda", "fargate", "eks"}
    with pytest.raises(ValueError):
        simulate(w, "ec2")


def test_cold_start_share_of_a_rising_load():
    """10, 20, 30 req/s of 1 s each, warm at 10 in flight: 10 new environments in each of the two later steps.

    Cold starts 20 out of 10 + 20 + 30 = 60 requests -> one in three.
    """
    r = simulate_lambda(Workload(series([10, 20, 30], step_s=1), duration_ms=1000))
    assert list(r.started) == [0, 10, 10]
    assert r.cold_start_share == pytest.approx(20 / 60)


def test_provisioned_environments_are_warm_and_skip_the_scaling_rate():
    """The standing start above (25,000 req/s x 0.2 s = 5,000 in flight, quota 10,000) with 2,000 provisioned.

    Capacity is 2,000 before the spike and grows 1,000 per 10 s from there: 3,000, 4,000, then 5,000.
    Throttled: 25,000 x 10 x ((1 - 3/5) + (1 - 4/5)) = 100,000 + 50,000 = 150,000 (from 500,000 without).
    Cold starts: only the 3,000 on-demand environments (from 5,000).
    """
    w = Workload(spike(0, 25_000, at_s=10, length_s=100, total_s=120), duration_ms=200)
    r = simulate_lambda(w, concurrency_limit=10_000, provisioned=2_000)
    step = value("scaling_step_environments")
    assert r.capacity[0] == 2_000
    assert list(r.capacity[10:40:10]) == [2_000 + step, 2_000 + 2 * step, 5_000]
    assert r.rejected.sum() == pytest.approx(150_000)
    assert r.cold.sum() == 3_000
    raised = Limits.from_facts().with_(account_concurrency=10_000)
    assert simulate(w, "lambda", raised, provisioned=2_000).rejected.sum() == pytest.approx(150_000)


def test_provisioned_environments_stay_through_a_quiet_hour():
    """One request an hour apart with 1 provisioned: no cold start, though idle on-demand ones last 600 s."""
    rates = [1.0] + [0.0] * 3600 + [1.0]
    r = simulate_lambda(Workload(series(rates, step_s=1), duration_ms=100), warm=False, provisioned=1)
    assert r.cold.sum() == 0 and r.capacity.min() == 1


def test_provisioned_concurrency_is_refused_above_the_quota_and_on_containers():
    """Provisioned concurrency comes out of the quota, and containers have no such setting."""
    w = Workload(spike(1, 10, total_s=120), duration_ms=100)
    with pytest.raises(ValueError, match="must be 0-1,000"):
        simulate_lambda(w, provisioned=1_001)
    with pytest.raises(ValueError, match="Lambda setting"):
        simulate(w, "fargate", provisioned=5)


@pytest.mark.parametrize("platform", ["lambda", "fargate", "eks"])
def test_every_request_is_served_rejected_or_still_queued(platform):
    """Requests are conserved: those arriving equal those served, rejected, and left waiting at the end."""
    w = Workload(spike(50, 8000, at_s=60, length_s=300, total_s=900), duration_ms=200)
    r = simulate(w, platform)
    served_requests = (r.served / (w.duration_ms / 1000)).sum() * w.rate.step_s
    assert served_requests + r.rejected.sum() + r.queued[-1] == pytest.approx(r.requests.sum())
    assert (r.rejected >= 0).all() and (r.capacity >= 0).all()


@pytest.mark.parametrize("platform", ["fargate", "eks"])
def test_containers_scale_back_in_after_the_spike(platform):
    """Once the spike has passed and the scale-in delay has run, fewer tasks or pods are kept."""
    w = Workload(spike(10, 2000, at_s=60, length_s=400, total_s=2400), duration_ms=100)
    r = simulate(w, platform)
    assert r.capacity[-1] < r.capacity.max()
