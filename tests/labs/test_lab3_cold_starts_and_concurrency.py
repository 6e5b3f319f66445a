"""Lab 3 graded end to end with nbgrader (the reference solution, the released stub and a refactoring that
still loads the price table in the handler, in one shared `lambda-course grade` run), and its checks alone."""

from __future__ import annotations

import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from lambda_course.checks import CheckFailed
from lambda_course.deploy import deploy_function
from lambda_course.labchecks import coldstarts
from lambda_course.labs import lab
from localaws.facts import value

# One worker grades this module's batch once; split across workers, each would grade it again.
pytestmark = pytest.mark.xdist_group("lab3_cold_starts_and_concurrency")

class TestGrading(LabContract):
    LAB, POINTS = lab("lab3-cold-starts-and-concurrency"), 15
    RELEASED_TEXT_OMITS = ("import pdfreport  # only PDF quotes need it",)

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: every answer from the solution, except that the handler still loads the price table on each call."""
        nb = labtesting.answered(cls.LAB)
        answer = cell_by_id(nb, "q2-answer")
        answer.source = answer.source.replace(
            "PRICE_TABLE = prices.load_price_table()  # loaded once per environment, during INIT\n", ""
        ).replace('    items = event.get("items", {})\n',
                  '    PRICE_TABLE = prices.load_price_table()\n    items = event.get("items", {})\n', 1)
        assert answer.source.count("load_price_table()") == 1
        return {"cy": nb}

    def test_reloading_in_the_handler_costs_the_init_question_and_says_why(self, batch):
        assert batch.score("cy", "q2-tests-init") == 0
        assert batch.score("cy") == self.LAB.points - 3, batch.rows["cy"]
        assert "loads the price table on every call" in batch.feedback("cy")


# --- the checks on their own --------------------------------------------------------------------------------


def test_fake_invocations_read_like_real_ones():
    cold, warm = coldstarts.fake_invocation(12.5, 800.0), coldstarts.fake_invocation(3.0)
    assert cold.cold and cold.report["Init Duration"] == 800.0 and cold.report["Duration"] == 12.5
    assert not warm.cold and warm.report["Duration"] == 3.0


def test_check_summary_catches_a_mean_over_every_invocation():
    def over_all(runs):
        durations = [r.report["Duration"] for r in runs]
        return {"cold_starts": sum(r.cold for r in runs), "mean_init_ms": None,
                "mean_warm_ms": sum(durations) / len(durations)}

    with pytest.raises(CheckFailed, match="mean_init_ms"):
        coldstarts.check_summary(over_all, [(300.0, 900.0), (10.0, None)])
    with pytest.raises(CheckFailed, match="raised ZeroDivisionError"):
        coldstarts.check_summary(over_all, [])


def test_clients_inside_the_handler_are_found():
    outside = 'import boto3\ns3 = boto3.client("s3")\ndef handler(e, c):\n    return 1\n'
    coldstarts.check_clients_outside_handler(outside)
    inside = 'import boto3\ndef handler(e, c):\n    if e:\n        return boto3.resource("s3")\n'
    with pytest.raises(CheckFailed, match=r"boto3.resource\(...\) \(line 4"):
        coldstarts.check_clients_outside_handler(inside)
    with pytest.raises(CheckFailed, match="no function called handler"):
        coldstarts.check_clients_outside_handler("def main(e, c):\n    return 1\n")


def test_measured_speedup_reads_warm_durations():
    slow = [coldstarts.fake_invocation(900.0, 1200.0), coldstarts.fake_invocation(300.0)]
    coldstarts.check_measured_speedup(slow, [coldstarts.fake_invocation(5.0, 700.0), coldstarts.fake_invocation(4.0)])
    with pytest.raises(CheckFailed, match="several times faster"):
        coldstarts.check_measured_speedup(slow, [coldstarts.fake_invocation(250.0)])
    with pytest.raises(CheckFailed, match="no warm invocation"):
        coldstarts.check_measured_speedup(slow, [coldstarts.fake_invocation(5.0, 700.0)])
    with pytest.raises(CheckFailed, match="list of what invoke"):
        coldstarts.check_measured_speedup(slow, None)


def test_max_in_flight_counts_overlaps():
    runs = [{"started": 0, "finished": 2}, {"started": 1, "finished": 3}, {"started": 2, "finished": 4}]
    assert coldstarts.max_in_flight(runs) == 2  # the first finishes as the third starts
    assert coldstarts.max_in_flight([]) == 0


def test_the_slow_app_reloads_and_imports_eagerly(sb, unique):
    import boto3

    boto3.client("s3").create_bucket(Bucket=coldstarts.QUOTES_BUCKET)
    name = f"slow-{unique}"
    deploy_function(name, coldstarts.package(coldstarts.SLOW_APP))
    with pytest.raises(CheckFailed, match="imported at INIT"):
        coldstarts.check_lazy_import(name)
    with pytest.raises(CheckFailed, match="loads the price table on every call"):
        coldstarts.check_init_once(name, calls=1)


def test_reserved_concurrency_must_match_the_limit(sb, unique):
    import boto3

    name = f"inventory-{unique}"
    deploy_function(name, coldstarts.INVENTORY_APP)
    with pytest.raises(CheckFailed, match="no reserved concurrency"):
        coldstarts.check_reserved(name, 1, burst=2)
    boto3.client("lambda").put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
    with pytest.raises(CheckFailed, match="more than the inventory service can take"):
        coldstarts.check_reserved(name, 1, burst=2)
    boto3.client("lambda").put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    coldstarts.check_reserved(name, 1, burst=3)


def test_readiness_cost_uses_the_facts(sb, unique):
    import boto3

    name = f"ready-{unique}"
    client = boto3.client("lambda")
    deploy_function(name, "def handler(e, c):\n    return 1\n", memory=512, publish=True)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with pytest.raises(CheckFailed, match="no provisioned concurrency"):
        coldstarts.check_provisioned(name, "live", 1)
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=2)
    with pytest.raises(CheckFailed, match="pay all month"):
        coldstarts.check_provisioned(name, "live", 1)
    right = 2 * 0.5 * value("hours_per_month") * 3600 * value("price_provisioned_gb_second")
    coldstarts.check_readiness_cost(right, name, "live")
    with pytest.raises(CheckFailed, match="MemorySize / 1024"):
        coldstarts.check_readiness_cost(right * 2, name, "live")
