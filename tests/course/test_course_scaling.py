"""The spike simulation: Lambda follows the facts' quota and scaling rate; Fargate waits for new tasks."""

from grader.chapters.scaling import FargateService, Traffic, simulate
from grader.facts import value


def test_small_spike_is_fully_served_by_lambda_but_not_by_slow_fargate():
    result = simulate(Traffic(base_rps=10, spike_rps=1000, request_seconds=0.1),
                      FargateService(requests_per_task=10, min_tasks=1, start_seconds=60))
    assert result.lam.share_served() == 1.0
    assert result.fargate.share_served() < 1.0
    assert max(result.fargate.units) > 1, "the autoscaler should have added tasks"


def test_lambda_is_capped_by_the_account_quota():
    traffic = Traffic(spike_rps=50_000, request_seconds=1.0)
    result = simulate(traffic)
    assert max(result.lam.units) == value("account_concurrency_default")
    assert sum(result.lam.rejected) > 0


def test_lambda_grows_by_one_step_per_window_when_quota_is_high():
    step, every = value("scaling_step_environments"), value("scaling_step_seconds")
    traffic = Traffic(base_rps=0, spike_rps=100 * step, spike_start_s=every * 3, request_seconds=1.0)
    result = simulate(traffic, account_limit=100 * step)
    start = traffic.spike_start_s
    assert result.lam.units[start] == step
    assert result.lam.units[start + every] == 2 * step
    assert result.lam.units[start + every - 1] == step


def test_served_plus_rejected_equals_demand():
    result = simulate(Traffic(spike_rps=8000))
    for timeline in (result.lam, result.fargate):
        for demand, served, rejected in zip(result.demand_rps, timeline.served, timeline.rejected, strict=True):
            assert abs(demand - served - rejected) < 1e-9 and rejected >= 0


def test_fargate_scales_back_in_after_the_spike():
    result = simulate(Traffic(total_s=600), FargateService(start_seconds=30))
    assert result.fargate.units[-1] < max(result.fargate.units)
