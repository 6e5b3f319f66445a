"""The model refuses what AWS would refuse: over-long invocations, requests API Gateway gives up on, odd /tmp sizes.

The limits come from the facts file: timeout_max_s = 900 s, apigw_integration_timeout_s = 29 s,
tmp_min_mb = 512 MB, tmp_max_mb = 10,240 MB.
"""

import pytest

from lambda_course.model import (
    Limits,
    Workload,
    eks_cost,
    fargate_cost,
    invocation_cost,
    lambda_cost,
    monthly_cost,
    per_month,
    simulate,
    steady,
)
from localaws.facts import value

FORTY_MINUTES_MS = 40 * 60 * 1000


def test_limits_carry_the_timeout_and_storage_limits_of_the_facts_file():
    """Every limit the checks use is read from the facts file, not written down again."""
    limits = Limits.from_facts()
    assert limits.timeout_max_s == value("timeout_max_s") == 900
    assert limits.apigw_timeout_s == value("apigw_integration_timeout_s") == 29
    assert (limits.tmp_min_mb, limits.tmp_max_mb) == (value("tmp_min_mb"), value("tmp_max_mb"))
    assert Workload(steady(1)).ephemeral_mb == value("tmp_min_mb")


def test_a_40_minute_invocation_is_refused_naming_the_limit():
    """40 minutes = 2,400 s > 900 s: Lambda would stop it, so the model will not price it."""
    batch = Workload(per_month(4), duration_ms=FORTY_MINUTES_MS, memory_mb=3008, api=None)
    with pytest.raises(ValueError, match=r"at most 900 s \(timeout_max_s, 15 minutes\).*2,400 s") as refused:
        lambda_cost(batch)
    assert "Fargate or EKS" in str(refused.value)
    with pytest.raises(ValueError, match="timeout_max_s"):
        invocation_cost(3008, FORTY_MINUTES_MS)
    with pytest.raises(ValueError, match="timeout_max_s"):
        simulate(batch, "lambda")


def test_the_same_batch_job_is_priced_on_fargate():
    """Four 40-minute runs a month on a 1 vCPU / 2 GB task, nothing in front.

    Under 0.004 in flight needs no more than min_tasks = 1: 730 h x (1 x $0.04048 + 2 x $0.004445) = $36.0402.
    """
    batch = Workload(per_month(4), duration_ms=FORTY_MINUTES_MS, api=None, task_vcpu=1, task_gb=2, min_tasks=1)
    assert fargate_cost(batch).total == pytest.approx(730 * (0.04048 + 2 * 0.004445))


def test_an_invocation_of_exactly_the_maximum_is_priced_by_hand():
    """1,000 invocations a month of 900 s at 1,024 MB: 900,000 GB-s x $0.0000166667 = $15.00003, plus
    0.001 million requests x $0.20 = $0.0002.
    """
    w = Workload(per_month(1000), duration_ms=900_000, memory_mb=1024, api=None)
    assert lambda_cost(w).total == pytest.approx(15.00003 + 0.0002, rel=1e-9)


def test_a_lower_limit_refuses_sooner():
    """The limit is read from `Limits`, so a test or a chapter can change it: at 60 s, 100 s is refused."""
    w = Workload(steady(1), duration_ms=100_000, api=None)
    lambda_cost(w)
    with pytest.raises(ValueError, match="at most 60 s"):
        lambda_cost(w, limits=Limits.from_facts().with_(timeout_max_s=60))


@pytest.mark.parametrize("platform", ["lambda", "fargate", "eks"])
def test_a_request_longer_than_api_gateway_waits_is_refused_on_every_platform(platform):
    """A 60 s request behind an HTTP API: API Gateway gives up after 29 s, whatever runs behind it."""
    slow = Workload(steady(1), duration_ms=60_000, api="http")
    with pytest.raises(ValueError, match=r"at most 29 s .*apigw_integration_timeout_s.*60 s would time out"):
        monthly_cost(slow, platform)
    with pytest.raises(ValueError, match="apigw_integration_timeout_s"):
        simulate(slow, platform)


def test_the_same_request_without_an_api_is_priced():
    """1 req/s of 60 s at 512 MB with nothing in front: 2,628,000 x 60 x 0.5 = 78,840,000 GB-s -> $1,314.0026,
    plus 2.628 million requests x $0.20 = $0.5256.
    """
    bill = lambda_cost(Workload(steady(1), duration_ms=60_000, memory_mb=512, api=None))
    assert bill.total == pytest.approx(78_840_000 * 0.0000166667 + 0.5256, rel=1e-9)
    assert eks_cost(Workload(steady(1), duration_ms=60_000, api=None)).items["api gateway"] == 0


def test_a_request_of_exactly_the_api_timeout_passes():
    """29 s is allowed (the limit itself); 29.001 s is not."""
    lambda_cost(Workload(steady(1), duration_ms=29_000, api="rest"))
    with pytest.raises(ValueError, match="29 s"):
        lambda_cost(Workload(steady(1), duration_ms=29_001, api="rest"))


@pytest.mark.parametrize("ephemeral_mb", [256, 10_241, 20_480])
def test_ephemeral_storage_outside_its_range_is_refused(ephemeral_mb):
    """/tmp must be 512-10,240 MB; the message names the range and the facts it comes from."""
    with pytest.raises(ValueError, match=r"must be 512-10,240 MB \(tmp_min_mb, tmp_max_mb\)"):
        lambda_cost(Workload(steady(1), ephemeral_mb=ephemeral_mb, api=None))


def test_the_largest_ephemeral_storage_is_priced_by_hand():
    """10 req/s, 100 ms with 10,240 MB of /tmp: (10,240 - 512) / 1,024 = 9.5 GB above the included size.

    26,280,000 x 0.1 s x 9.5 GB = 24,966,000 GB-s x $0.0000000309 = $0.7714494.
    """
    bill = lambda_cost(Workload(steady(10), duration_ms=100, ephemeral_mb=10_240, api=None))
    assert bill.items["ephemeral storage"] == pytest.approx(0.7714494, rel=1e-9)
    assert lambda_cost(Workload(steady(10), duration_ms=100, api=None)).items["ephemeral storage"] == 0
