"""Crossover points: where Lambda's bill meets Fargate's and EKS's, and how they move when a price changes."""

import pytest

from lambda_course.model import Prices, Workload, crossover_rate, crossovers, diurnal, steady
from localaws.facts import value

# 100 ms at 512 MB behind no API (API Gateway costs the same on every platform and cancels out).
WORKLOAD = Workload(steady(1), duration_ms=100, memory_mb=512, api=None)


def test_fargate_crossover_matches_hand_calculation():
    """Lambda per req/s per month: 2,628,000 x ($0.20 / 1e6 + 0.1 s x 0.5 GB x $0.0000166667) = $2.715604.

    Fargate below 140 req/s (14 in flight) runs its 2 minimum tasks: 2 x 730 x $0.024685 = $36.0401.
    Crossover: 36.0401 / 2.715604 = 13.271 req/s.
    """
    per_rps = 2_628_000 * (
        value("price_requests_per_million") / 1e6 + 0.1 * 0.5 * value("price_gb_second_x86")
    )
    fargate = 2 * 730 * (0.5 * value("price_fargate_vcpu_hour") + 1 * value("price_fargate_gb_hour"))
    assert crossover_rate(WORKLOAD, "fargate") == pytest.approx(fargate / per_rps, rel=1e-6)
    assert crossover_rate(WORKLOAD, "fargate") == pytest.approx(13.271, rel=1e-4)


def test_eks_crossover_matches_hand_calculation():
    """EKS on its two minimum nodes: $73.00 + 2 x 730 x $0.096 = $213.16.

    Crossover: 213.16 / 2.715604 = 78.494 req/s; 7.8 in flight needs 2 pods, which fit the two nodes.
    """
    per_rps = 2_628_000 * (
        value("price_requests_per_million") / 1e6 + 0.1 * 0.5 * value("price_gb_second_x86")
    )
    eks = 730 * value("price_eks_cluster_hour") + 2 * 730 * value("price_ec2_m6i_large_hour")
    assert crossover_rate(WORKLOAD, "eks") == pytest.approx(eks / per_rps, rel=1e-6)
    assert crossover_rate(WORKLOAD, "eks") == pytest.approx(78.494, rel=1e-4)


MONTH_S = 730 * 3600


def lambda_per_rps(prices: Prices) -> float:
    """Lambda's monthly bill for each average req/s of WORKLOAD: requests plus 0.1 s x 0.5 GB each."""
    return MONTH_S * (prices.requests_per_million / 1e6 + 0.1 * 0.5 * prices.gb_second_x86)


def test_dearer_fargate_vcpu_moves_the_fargate_crossover_to_the_hand_value():
    """Fargate vCPU at $0.08 instead of $0.04048 (price_fargate_vcpu_hour):

    two minimum tasks cost 2 x 730 x (0.5 x $0.08 + 1 GB x $0.004445) = $64.8897 a month;
    crossover 64.8897 / 2.715604 = 23.895 req/s (2.4 in flight: still the two minimum tasks), up from 13.271.
    """
    prices = Prices.from_facts()
    dearer = prices.with_(fargate_vcpu_hour=0.08)
    hand = 2 * 730 * (0.5 * 0.08 + value("price_fargate_gb_hour")) / lambda_per_rps(prices)
    moved = crossover_rate(WORKLOAD, "fargate", dearer)
    assert moved == pytest.approx(hand, rel=1e-6)
    assert moved == pytest.approx(23.895, rel=1e-4)
    assert moved > crossover_rate(WORKLOAD, "fargate", prices)


def test_doubled_gb_second_price_moves_both_crossovers_down_to_the_hand_values():
    """GB-second at 2 x $0.0000166667: Lambda per req/s is 2,628,000 x ($0.20 / 1e6 + 0.05 x $0.0000333334)
    = $4.905609.

    Against EKS: 213.16 / 4.905609 = 43.452 req/s (from 78.494); against Fargate: 36.0401 / 4.905609 = 7.3467
    (from 13.271). Both loads still fit the minimum tasks, pods and nodes.
    """
    prices = Prices.from_facts()
    dearer = prices.with_(gb_second_x86=2 * value("price_gb_second_x86"))
    eks = 730 * value("price_eks_cluster_hour") + 2 * 730 * value("price_ec2_m6i_large_hour")
    fargate = 2 * 730 * (0.5 * value("price_fargate_vcpu_hour") + value("price_fargate_gb_hour"))
    assert crossover_rate(WORKLOAD, "eks", dearer) == pytest.approx(eks / lambda_per_rps(dearer), rel=1e-6)
    assert crossover_rate(WORKLOAD, "eks", dearer) == pytest.approx(43.452, rel=1e-4)
    assert crossover_rate(WORKLOAD, "fargate", dearer) == pytest.approx(fargate / lambda_per_rps(dearer), rel=1e-6)
    assert crossover_rate(WORKLOAD, "fargate", dearer) == pytest.approx(7.3467, rel=1e-4)
    for other in ("fargate", "eks"):
        assert crossover_rate(WORKLOAD, other, dearer) < crossover_rate(WORKLOAD, other, prices)


@pytest.mark.parametrize(
    "change, hand",
    [
        # Control plane at $0.60/h: 730 x 0.60 + 2 x 730 x $0.096 = $578.16; 578.16 / 2.715604 = 212.903 req/s
        # (21 in flight: 3 pods, still on the two minimum nodes).
        ({"eks_cluster_hour": 0.60}, 212.903),
        # m6i.large at $0.20/h: $73.00 + 2 x 730 x 0.20 = $365.00; 365.00 / 2.715604 = 134.408 req/s.
        ({"ec2_hour": {"m6i.large": 0.2}}, 134.408),
    ],
)
def test_dearer_eks_moves_the_eks_crossover_to_the_hand_value(change, hand):
    """A dearer control plane or node lets Lambda stay cheaper up to the hand-calculated rate (from 78.494)."""
    prices = Prices.from_facts()
    moved = crossover_rate(WORKLOAD, "eks", prices.with_(**change))
    assert moved == pytest.approx(hand, rel=1e-5)
    assert moved > crossovers(WORKLOAD, prices)["eks"]


def test_cheaper_requests_move_the_crossover_up_to_the_hand_value():
    """Requests at $0.10 per million: 2,628,000 x ($0.10 / 1e6 + 0.05 x $0.0000166667) = $2.452804 per req/s.

    Crossover with Fargate: 36.0401 / 2.452804 = 14.693 req/s, up from 13.271.
    """
    prices = Prices.from_facts()
    cheaper = prices.with_(requests_per_million=prices.requests_per_million / 2)
    moved = crossover_rate(WORKLOAD, "fargate", cheaper)
    assert moved == pytest.approx(14.6934, rel=1e-4)
    assert moved > crossover_rate(WORKLOAD, "fargate", prices)


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
