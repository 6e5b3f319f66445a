"""Monthly bills checked against hand calculations from the facts file.

A month is hours_per_month = 730 h = 2,628,000 s; every rate series below is steady unless stated.
"""

import math

import pytest

from lambda_course.model import (
    Prices,
    Workload,
    api_gateway_cost,
    eks_cost,
    fargate_cost,
    invocation_cost,
    lambda_cost,
    per_month,
    series,
    steady,
)
from localaws.facts import value

MONTH_S = 730 * 3600


def test_month_is_730_hours():
    """The facts file's month is the 730 hours AWS uses: 730 x 3,600 = 2,628,000 s."""
    assert Prices.from_facts().seconds_per_month == MONTH_S == value("hours_per_month") * 3600


def test_lambda_requests_and_compute():
    """10 req/s, 100 ms, 512 MB, no API Gateway.

    Requests: 10 x 2,628,000 = 26,280,000 -> 26.28 x $0.20 = $5.256.
    GB-seconds: 26,280,000 x 0.1 s x 0.5 GB = 1,314,000 -> x $0.0000166667 = $21.9000.
    """
    bill = lambda_cost(Workload(steady(10), duration_ms=100, memory_mb=512, api=None))
    requests = 26_280_000
    assert bill.items["requests"] == pytest.approx(requests / 1e6 * value("price_requests_per_million"))
    assert bill.items["compute"] == pytest.approx(requests * 0.1 * 0.5 * value("price_gb_second_x86"))
    assert bill.total == pytest.approx(5.256 + 21.9000438, rel=1e-6)


def test_lambda_rounds_duration_up_to_the_millisecond():
    """1 req/s of 1.2 ms at 128 MB bills 2 ms: 2,628,000 x 0.002 s x 0.125 GB = 657 GB-s -> $0.01095."""
    bill = lambda_cost(Workload(steady(1), duration_ms=1.2, memory_mb=128, api=None))
    assert bill.items["compute"] == pytest.approx(657 * value("price_gb_second_x86"))
    assert bill.items["compute"] == pytest.approx(0.01095, rel=1e-4)


def test_monthly_bill_is_requests_times_the_cost_of_one_invocation():
    """With no free tier, API Gateway or extra storage, a month's bill is requests x `invocation_cost`."""
    workload = Workload(per_month(10_000_000), duration_ms=37.5, memory_mb=768, api=None)
    bill = lambda_cost(workload)
    assert bill.total == pytest.approx(10_000_000 * invocation_cost(768, 37.5))


def test_lambda_free_tier():
    """1 req/s, 100 ms, 1,024 MB with the free tier.

    Requests: 2,628,000 - 1,000,000 free = 1,628,000 -> 1.628 x $0.20 = $0.3256.
    GB-seconds: 2,628,000 x 0.1 x 1 = 262,800, under the 400,000 free -> $0.
    """
    bill = lambda_cost(Workload(steady(1), duration_ms=100, memory_mb=1024, api=None), free_tier=True)
    assert bill.items["requests"] == pytest.approx(0.3256)
    assert bill.items["compute"] == 0
    assert lambda_cost(Workload(steady(1), duration_ms=100, memory_mb=1024, api=None)).total > bill.total


def test_lambda_arm_price():
    """arm64, 10 req/s, 200 ms, 2,048 MB: 26,280,000 x 0.2 x 2 = 10,512,000 GB-s x $0.0000133334 = $140.16."""
    bill = lambda_cost(Workload(steady(10), duration_ms=200, memory_mb=2048, api=None, architecture="arm64"))
    assert bill.items["compute"] == pytest.approx(10_512_000 * value("price_gb_second_arm"))
    assert bill.items["compute"] == pytest.approx(140.16, rel=1e-4)


def test_provisioned_concurrency_covering_all_traffic():
    """20 req/s x 0.2 s = 4 in flight, 5 provisioned at 1,024 MB: nothing spills to on-demand.

    Enabled: 5 x 1 GB x 2,628,000 s = 13,140,000 GB-s x $0.0000041667 = $54.75.
    Execution: 52,560,000 x 0.2 x 1 = 10,512,000 GB-s x $0.0000097222 = $102.20.
    Requests: 52.56 x $0.20 = $10.512.
    """
    bill = lambda_cost(Workload(steady(20), duration_ms=200, memory_mb=1024, api=None), provisioned=5)
    assert bill.items["provisioned (enabled)"] == pytest.approx(
        13_140_000 * value("price_provisioned_gb_second")
    )
    assert bill.items["provisioned (execution)"] == pytest.approx(
        10_512_000 * value("price_provisioned_execution_gb_second")
    )
    assert bill.items["compute"] == pytest.approx(0)
    assert bill.total == pytest.approx(54.750 + 102.199 + 10.512, rel=1e-4)


def test_provisioned_concurrency_spills_over():
    """40 req/s x 0.2 s = 8 in flight, 5 provisioned at 1,024 MB: 5/8 on provisioned, 3/8 on-demand.

    Total GB-s: 105,120,000 x 0.2 x 1 = 21,024,000; on-demand 7,884,000 x $0.0000166667 = $131.4002;
    provisioned execution 13,140,000 x $0.0000097222 = $127.7497;
    enabled 5 x 1 GB x 2,628,000 s = 13,140,000 x $0.0000041667 = $54.7504; requests 105.12 x $0.20 = $21.024.
    Total $334.9243.
    """
    bill = lambda_cost(Workload(steady(40), duration_ms=200, memory_mb=1024, api=None), provisioned=5)
    assert bill.items["compute"] == pytest.approx(7_884_000 * value("price_gb_second_x86"))
    assert bill.items["provisioned (execution)"] == pytest.approx(
        13_140_000 * value("price_provisioned_execution_gb_second")
    )
    assert bill.total == pytest.approx(21.024 + 131.4002 + 127.7497 + 54.7504, rel=1e-6)


def test_ephemeral_storage_above_the_free_512_mb():
    """10 req/s, 100 ms, 1,024 MB of /tmp: 512 MB over the included 512 -> 0.5 GB.

    26,280,000 x 0.1 s x 0.5 GB = 1,314,000 GB-s x $0.0000000309 = $0.0406.
    """
    bill = lambda_cost(Workload(steady(10), duration_ms=100, ephemeral_mb=1024, api=None))
    assert bill.items["ephemeral storage"] == pytest.approx(1_314_000 * value("price_ephemeral_gb_second"))


def test_api_gateway_http_meters_large_payloads_twice():
    """10 req/s for a month = 26.28 million requests.

    HTTP API, 700 KB payloads: ceil(700 / 512) = 2 units each -> 52.56 x $1.00 = $52.56.
    HTTP API, 1 KB payloads: 26.28 x $1.00 = $26.28. REST API: 26.28 x $3.50 = $91.98.
    """
    assert api_gateway_cost(Workload(steady(10), payload_kb=700, api="http")) == pytest.approx(52.56)
    assert api_gateway_cost(Workload(steady(10), payload_kb=1, api="http")) == pytest.approx(26.28)
    assert api_gateway_cost(Workload(steady(10), api="rest")) == pytest.approx(
        26.28 * value("price_apigw_rest_per_million")
    )
    assert api_gateway_cost(Workload(steady(10), api=None)) == 0


def test_fargate_tasks_for_the_load():
    """100 req/s x 0.2 s = 20 in flight; a task holds 10 at 70% target -> 7; ceil(20 / 7) = 3 tasks.

    3 tasks x 730 h = 2,190 task-hours; x (0.5 vCPU x $0.04048 + 1 GB x $0.004445) = x $0.024685 = $54.06.
    """
    w = Workload(steady(100), duration_ms=200, task_vcpu=0.5, task_gb=1, per_task_concurrency=10, api=None)
    bill = fargate_cost(w)
    hourly = 0.5 * value("price_fargate_vcpu_hour") + 1 * value("price_fargate_gb_hour")
    assert bill.total == pytest.approx(3 * 730 * hourly)
    assert bill.total == pytest.approx(54.06, rel=1e-3)


def test_fargate_bill_with_an_http_api_in_front():
    """100 req/s, 200 ms, 1 KB requests through an HTTP API: the 3 tasks of the test above plus API Gateway.

    Tasks: 3 x 730 h x $0.024685 = $54.06015. API: 100 x 2,628,000 = 262.8 million requests x $1.00 = $262.80.
    Total $316.86015.
    """
    w = Workload(steady(100), duration_ms=200, payload_kb=1, api="http")
    bill = fargate_cost(w)
    assert bill.items["api gateway"] == pytest.approx(262.8 * value("price_apigw_http_per_million"))
    assert bill.items["vcpu"] + bill.items["memory"] == pytest.approx(54.06015, rel=1e-9)
    assert bill.total == pytest.approx(316.86015, rel=1e-9)


def test_fargate_minimum_tasks_when_idle():
    """0.1 req/s needs no capacity, but 2 tasks stay on.

    2 x 730 h x (0.25 x $0.04048 + 0.5 x $0.004445) = $18.02.
    """
    w = Workload(steady(0.1), task_vcpu=0.25, task_gb=0.5, min_tasks=2, api=None)
    assert fargate_cost(w).total == pytest.approx(2 * 730 * (0.25 * 0.04048 + 0.5 * 0.004445), rel=1e-9)


def test_fargate_follows_a_changing_rate():
    """Half the month at 10 req/s (1 in flight: 2 tasks), half at 300 req/s (30: ceil(30/7) = 5 tasks).

    Average 3.5 tasks x 730 h x $0.024685 = $63.07.
    """
    w = Workload(series([10, 300], step_s=3600), duration_ms=100, api=None)
    assert fargate_cost(w).total == pytest.approx(3.5 * 730 * 0.024685, rel=1e-9)


def test_fargate_refuses_a_size_it_does_not_offer():
    """0.25 vCPU tasks allow 0.5 to 2 GB only."""
    with pytest.raises(ValueError):
        fargate_cost(Workload(steady(1), task_vcpu=0.25, task_gb=4))


def test_eks_control_plane_and_nodes():
    """1,000 req/s x 0.2 s = 200 in flight -> ceil(200 / 7) = 29 pods of 0.5 vCPU / 1 GB.

    An m6i.large (2 vCPU, 8 GiB) holds min(2 / 0.5, 8 / 1) = 4 pods -> ceil(29 / 4) = 8 nodes.
    Nodes: 8 x 730 x $0.096 = $560.64; control plane: 730 x $0.10 = $73.00.
    """
    bill = eks_cost(Workload(steady(1000), duration_ms=200, api=None, instance_type="m6i.large"))
    assert bill.items["control plane"] == pytest.approx(730 * value("price_eks_cluster_hour"))
    assert bill.items["nodes"] == pytest.approx(8 * 730 * value("price_ec2_m6i_large_hour"))
    assert bill.total == pytest.approx(560.64 + 73.0)


def test_eks_bill_with_an_http_api_metering_large_requests():
    """The 1,000 req/s cluster above behind an HTTP API with 700 KB requests.

    Each request is metered as ceil(700 / 512) = 2 units: 2,628 million requests x 2 x $1.00 = $5,256.00.
    Total: $560.64 nodes + $73.00 control plane + $5,256.00 = $5,889.64.
    """
    w = Workload(steady(1000), duration_ms=200, payload_kb=700, api="http")
    bill = eks_cost(w)
    assert bill.items["api gateway"] == pytest.approx(2_628 * 2 * value("price_apigw_http_per_million"))
    assert bill.total == pytest.approx(5_889.64)


def test_eks_minimum_nodes_and_other_instance():
    """c6i.xlarge (4 vCPU, 8 GiB) with 1 vCPU / 2 GB pods: 4 per node; 10 req/s needs 2 pods -> min 2 nodes.

    2 x 730 x $0.17 = $248.20 plus $73.00 for the control plane.
    """
    w = Workload(steady(10), task_vcpu=1, task_gb=2, instance_type="c6i.xlarge", api=None)
    assert eks_cost(w).total == pytest.approx(2 * 730 * value("price_ec2_c6i_xlarge_hour") + 73.0)
    assert math.isclose(eks_cost(w).total, 321.2)


def test_changed_price_changes_the_bill():
    """Doubling the Fargate vCPU price adds exactly the vCPU line again: 3 tasks x 730 h x 0.5 x $0.04048."""
    w = Workload(steady(100), duration_ms=200, api=None)
    base = fargate_cost(w)
    dearer = fargate_cost(
        w, Prices.from_facts().with_(fargate_vcpu_hour=2 * value("price_fargate_vcpu_hour"))
    )
    assert dearer.total - base.total == pytest.approx(3 * 730 * 0.5 * 0.04048)


def test_lambda_refuses_memory_outside_the_quota():
    """Memory must lie between 128 and 10,240 MB."""
    with pytest.raises(ValueError):
        lambda_cost(Workload(steady(1), memory_mb=64))
