"""The chapter formulas: CPU share, run time, cost and Little's law behave as the chapters claim."""

import pytest

from grader.chapters import compute
from grader.facts import value


def test_cpu_share_is_proportional_then_capped():
    one = value("memory_per_vcpu_mb")
    assert compute.cpu_share(one) == pytest.approx(1.0)
    assert compute.cpu_share(one / 2) == pytest.approx(0.5)
    assert compute.cpu_share(value("memory_max_mb")) <= value("max_vcpus")


@pytest.mark.parametrize("bad", [value("memory_min_mb") - 1, value("memory_max_mb") + 1])
def test_memory_outside_the_allowed_range_is_refused(bad):
    with pytest.raises(ValueError):
        compute.cpu_share(bad)


def test_single_thread_stops_speeding_up_past_one_vcpu():
    one = value("memory_per_vcpu_mb")
    assert compute.run_seconds(one, 1.0) == pytest.approx(compute.run_seconds(value("memory_max_mb"), 1.0))
    assert compute.run_seconds(one / 2, 1.0) == pytest.approx(2.0)
    assert compute.run_seconds(value("memory_max_mb"), 6.0, threads=6) < compute.run_seconds(one, 6.0)


def test_cost_doubles_with_memory_at_equal_duration():
    request = value("price_requests_per_million") / 1e6
    small = compute.invocation_cost(512, 1.0) - request
    large = compute.invocation_cost(1024, 1.0) - request
    assert large == pytest.approx(2 * small)
    assert compute.invocation_cost(1024, 1.0, arch="arm") < compute.invocation_cost(1024, 1.0)


def test_free_tier_covers_small_workloads_entirely():
    assert compute.monthly_cost(1000, 128, 0.1) == 0.0
    assert compute.monthly_cost(1000, 128, 0.1, free_tier=False) > 0.0


def test_littles_law():
    assert compute.concurrency(100, 0.25) == pytest.approx(25)
    with pytest.raises(ValueError):
        compute.concurrency(-1, 1)


def test_sweep_finds_flat_cost_below_one_vcpu_and_rising_above():
    sizes = [256, 512, value("memory_per_vcpu_mb"), value("memory_max_mb")]
    points = compute.memory_sweep(sizes, cpu_seconds=1.0)
    assert points[0].seconds > points[1].seconds > points[2].seconds
    assert points[3].cost > 3 * points[2].cost
    assert compute.cheapest(points).memory_mb < value("memory_max_mb")


def test_standard_sizes_span_the_allowed_range():
    sizes = compute.standard_sizes(6)
    assert sizes[0] == value("memory_min_mb") and sizes[-1] == value("memory_max_mb")
    assert sizes == sorted(sizes) and len(sizes) == 6
