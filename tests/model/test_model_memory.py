"""Memory as Lambda's performance dial: CPU share, run time and cost per invocation, checked by hand."""

import pytest

from lambda_course.model import (
    Limits,
    Prices,
    cheapest,
    cpu_share,
    invocation_cost,
    memory_sweep,
    run_seconds,
    standard_sizes,
)
from localaws.facts import value

ONE_VCPU = value("memory_per_vcpu_mb")


def test_cpu_share_is_proportional_then_capped():
    """Half of one vCPU's memory gives half a vCPU; the largest size gives at most the top share."""
    assert cpu_share(ONE_VCPU) == pytest.approx(1.0)
    assert cpu_share(ONE_VCPU / 2) == pytest.approx(0.5)
    assert cpu_share(value("memory_max_mb")) == pytest.approx(
        min(value("memory_max_mb") / ONE_VCPU, value("max_vcpus"))
    )
    capped = Limits.from_facts().with_(max_vcpus=2)
    assert cpu_share(value("memory_max_mb"), capped) == 2


@pytest.mark.parametrize("bad", [value("memory_min_mb") - 1, value("memory_max_mb") + 1, float("nan")])
def test_memory_outside_the_allowed_range_is_refused(bad):
    """Sizes Lambda would refuse raise, for the CPU share and the cost alike."""
    with pytest.raises(ValueError):
        cpu_share(bad)
    with pytest.raises(ValueError):
        invocation_cost(bad, 100)


def test_single_thread_stops_speeding_up_past_one_vcpu():
    """One vCPU-second takes 2 s at half a vCPU and 1 s from one vCPU up, unless the work uses threads."""
    assert run_seconds(ONE_VCPU / 2, 1.0) == pytest.approx(2.0)
    assert run_seconds(ONE_VCPU, 1.0) == pytest.approx(run_seconds(value("memory_max_mb"), 1.0))
    assert run_seconds(value("memory_max_mb"), 6.0, threads=6) < run_seconds(ONE_VCPU, 6.0)
    assert run_seconds(ONE_VCPU, 0.5, wait_seconds=0.25) == pytest.approx(0.75)


def test_invocation_cost_by_hand():
    """1,024 MB for 100 ms: 0.1 GB-s x the x86 price, plus one request at the per-million price."""
    expected = value("price_requests_per_million") / 1e6 + 0.1 * value("price_gb_second_x86")
    assert invocation_cost(1024, 100) == pytest.approx(expected)
    arm = value("price_requests_per_million") / 1e6 + 0.1 * value("price_gb_second_arm")
    assert invocation_cost(1024, 100, "arm64") == pytest.approx(arm)


def test_invocation_cost_rounds_up_to_the_millisecond_and_follows_prices():
    """1.2 ms bills as 2 ms; a doubled GB-second price doubles the compute part only."""
    request = value("price_requests_per_million") / 1e6
    assert invocation_cost(1024, 1.2) - request == pytest.approx(0.002 * value("price_gb_second_x86"))
    dear = Prices.from_facts().with_(gb_second_x86=2 * value("price_gb_second_x86"))
    assert invocation_cost(1024, 100, prices=dear) - request == pytest.approx(
        2 * (invocation_cost(1024, 100) - request)
    )


def test_sweep_is_flat_below_one_vcpu_and_rises_above():
    """CPU-bound work: double the memory, half the time, equal GB-seconds up to one vCPU; then cost grows."""
    sizes = [256, 512, ONE_VCPU, value("memory_max_mb")]
    points = memory_sweep(sizes, cpu_seconds=1.0)
    assert [p.memory_mb for p in points] == sizes
    assert points[0].seconds > points[1].seconds > points[2].seconds
    assert points[0].cost == pytest.approx(points[1].cost, rel=1e-3)
    assert points[3].cost > 3 * points[2].cost
    assert cheapest(points).memory_mb < value("memory_max_mb")


def test_sweep_of_waiting_work_favours_the_smallest_size():
    """Work that mostly waits is as slow at any size, so the smallest size is the cheapest."""
    points = memory_sweep(standard_sizes(5), cpu_seconds=0.001, wait_seconds=0.5)
    assert cheapest(points).memory_mb == value("memory_min_mb")


def test_standard_sizes_span_the_allowed_range():
    """Six sizes from the smallest to the largest, ascending."""
    sizes = standard_sizes(6)
    assert sizes[0] == value("memory_min_mb") and sizes[-1] == value("memory_max_mb")
    assert sizes == sorted(sizes) and len(sizes) == 6
