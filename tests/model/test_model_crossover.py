"""Crossover points: where Lambda's bill meets Fargate's and EKS's, and how they move when a price changes."""

import pytest

from grader.facts import value
from grader.model import Prices, Workload, crossover_rate, crossovers, diurnal, steady

# 100 ms at 512 MB behind no API (API Gateway costs the same on every platform and cancels out).
WORKLOAD = Workload(steady(1), duration_ms=100, memory_mb=512, api=None)


def test_fargate_crossover_matches_hand_calculation():
    """Lambda per req/s per month: 2,628,000 x ($0.20 / 1e6 + 0.1 s x 0.5 GB x $0.0000166667) = $2.71564.

    Fargate below 140 req/s (14 in flight) runs its 2 minimum tasks: 2 x 730 x $0.024685 = $36.0401.
    Crossover: 36.0401 / 2.71564 = 13.271 req/s.
    """
    per_rps = 2_628_000 * (
        value("price_requests_per_million") / 1e6 + 0.1 * 0.5 * value("price_gb_second_x86")
    )
    fargate = 2 * 730 * (0.5 * value("price_fargate_vcpu_hour") + 1 * value("price_fargate_gb_hour"))
    assert crossover_rate(WORKLOAD, "fargate") == pytest.approx(fargate / per_rps, rel=1e-6)
    assert crossover_rate(WORKLOAD, "fargate") == pytest.approx(13.271, rel=1e-4)


def test_eks_crossover_matches_hand_calculation():
    """EKS on its two minimum nodes: $73.00 + 2 x 730 x $0.096 = $213.16.

    Crossover: 213.16 / 2.71560 = 78.494 req/s; 7.8 in flight needs 2 pods, which fit the two nodes.
    """
    per_rps = 2_628_000 * (
        value("price_requests_per_million") / 1e6 + 0.1 * 0.5 * value("price_gb_second_x86")
    )
    eks = 730 * value("price_eks_cluster_hour") + 2 * 730 * value("price_ec2_m6i_large_hour")
    assert crossover_rate(WORKLOAD, "eks") == pytest.approx(eks / per_rps, rel=1e-6)
    assert crossover_rate(WORKLOAD, "eks") == pytest.approx(78.494, rel=1e-4)


def test_dearer_lambda_moves_the_crossover_down():
    """Doubling the GB-second price makes Lambda dearer per request, so it breaks even at a lower load."""
    prices = Prices.from_facts()
    dearer = prices.with_(gb_second_x86=2 * prices.gb_second_x86)
    for other in ("fargate", "eks"):
        assert crossover_rate(WORKLOAD, other, dearer) < crossover_rate(WORKLOAD, other, prices)


def test_dearer_containers_move_the_crossover_up():
    """Dearer Fargate vCPU, EKS control plane or EC2 nodes let Lambda stay cheaper to a higher load."""
    prices = Prices.from_facts()
    base = crossovers(WORKLOAD, prices)
    assert crossover_rate(WORKLOAD, "fargate", prices.with_(fargate_vcpu_hour=0.08)) > base["fargate"]
    assert crossover_rate(WORKLOAD, "eks", prices.with_(eks_cluster_hour=0.60)) > base["eks"]
    assert crossover_rate(WORKLOAD, "eks", prices.with_(ec2_hour={"m6i.large": 0.2})) > base["eks"]


def test_cheaper_requests_move_the_crossover_up():
    """Halving the per-request price lowers Lambda's slope, so the crossover rises."""
    prices = Prices.from_facts()
    cheaper = prices.with_(requests_per_million=prices.requests_per_million / 2)
    assert crossover_rate(WORKLOAD, "fargate", cheaper) > crossover_rate(WORKLOAD, "fargate", prices)


def test_no_crossover_in_a_range_that_stops_short():
    """Searching only up to 1 req/s finds no crossover, since Lambda is cheaper there."""
    assert crossover_rate(WORKLOAD, "fargate", high=1.0) is None


def test_a_peaky_day_crosses_later_than_steady_traffic():
    """With one small task per request in flight, a day peaking at 10x its trough needs tasks for its
    peak hours, so Fargate costs more per average request than under steady traffic and Lambda stays
    cheaper for longer.

    Steady: one 0.25 vCPU / 0.5 GB task costs 730 x (0.25 x $0.04048 + 0.5 x $0.004445) = $9.0100 a month;
    Lambda at 1 s and 512 MB costs 2,628,000 x ($0.20 / 1e6 + 0.5 x $0.0000166667) = $22.4260 per req/s;
    crossover 9.0100 / 22.4260 = 0.4018 req/s (0.4 in flight, still one task).
    """
    one_each = WORKLOAD.with_(
        duration_ms=1000, task_vcpu=0.25, task_gb=0.5, per_task_concurrency=1, min_tasks=1
    )
    assert crossover_rate(one_each, "fargate") == pytest.approx(9.0100 / 22.4260, rel=1e-4)
    peaky = one_each.with_(rate=diurnal(peak_rps=10, trough_rps=1))
    assert crossover_rate(peaky, "fargate") > crossover_rate(one_each, "fargate")
