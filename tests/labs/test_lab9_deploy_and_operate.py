"""Lab 9 graded end to end with nbgrader: the reference solution, the released stub, a role with a wildcard policy
and an alarm on the wrong metric, graded in one `lambda-course grade` run shared by every assertion.

https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (Errors, published by FunctionName and by
FunctionName with Resource for an alias)
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
(AutoPublishAlias, DeploymentPreference with Alarms: an alarm in ALARM stops the deployment and rolls it back)
https://docs.aws.amazon.com/lambda/latest/dg/lambda-permissions.html (an execution role grants only what the
function needs)
"""

from __future__ import annotations

import boto3
import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from lambda_course.checks import CheckFailed
from lambda_course.labchecks import operate
from lambda_course.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab9-grading")]

POLLER = '"Policies": [{"SQSPollerPolicy": {"QueueName": {"Fn::GetAtt": ["Orders", "QueueName"]}}}],'
STAR = ('"Policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", '
        '"Resource": "*"}]}],')
ERRORS = '"MetricName": "Errors",'


def _changed(grade_id: str, old: str, new: str) -> nbformat.NotebookNode:
    """The solution's answers, with one answer cell's `old` text replaced by `new`."""
    nb = labtesting.answered(TestGrading.LAB)
    cell = cell_by_id(nb, grade_id)
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    return nb


class TestGrading(LabContract):
    LAB, POINTS = lab("lab9-deploy-and-operate"), 12
    RELEASED_CELLS_OMIT = {"q1-answer": ("SQSPollerPolicy", "GreaterThanOrEqualToThreshold", "RedrivePolicy"),
                           "q2-answer": ("deploy_stack(STACK",), "q4-answer": ("get_alias(",)}
    FEEDBACK_OMITS = ("o-hidden-7",)

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: a role policy allowing sqs:* on every resource; di: an alarm on Throttles instead of Errors."""
        return {"cy": _changed("q1-answer", POLLER, STAR),
                "di": _changed("q1-answer", ERRORS, '"MetricName": "Throttles",')}

    def test_a_wildcard_policy_loses_the_least_privilege_points_and_says_why(self, batch):
        assert batch.score("cy", "q2-tests-policy") == 0
        assert batch.score("cy") == self.LAB.points - 2  # the service still works: only the policy is wrong
        page = batch.feedback("cy")
        assert "wildcards" in page and "sqs:*" in page

    def test_an_alarm_on_throttles_loses_its_points_and_the_canary_is_never_stopped(self, batch):
        assert batch.score("di", "q2-tests-alarm") == 0
        assert batch.score("di", "q4-tests") == 0  # no errors reach a Throttles alarm, so nothing rolls back
        assert batch.score("di") == self.LAB.points - 4
        page = batch.feedback("di")
        assert "Throttles" in page and "Errors" in page


# --- the checks on their own, without a grading run ---------------------------------------------------------


def test_wildcards_name_every_broad_grant_and_spare_a_statement_on_one_queue():
    queue = "arn:aws:sqs:us-east-1:123456789012:orders"
    narrow = {"Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": queue},
                            {"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert operate.wildcards([narrow]) == []
    broad = {"Statement": {"Effect": "Allow", "Action": ["sqs:*", "*"], "Resource": ["*", queue]}}
    assert operate.wildcards([broad]) == ["the action 'sqs:*'", "the action '*'", "the resource '*'"]
    assert operate.wildcards([{"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": queue}]}])


def test_a_report_that_raises_fails_the_check_and_never_passes_it():
    expected = {"alias_version": "1", "status": "Stopped", "error_code": "ALARM_ACTIVE"}
    with pytest.raises(ZeroDivisionError):  # the learner's own error fails the test, as it is
        operate._check_report(lambda: 1 / 0, expected)
    with pytest.raises(CheckFailed, match="should return"):
        operate._check_report(lambda: {**expected, "alias_version": "2"}, expected)
    operate._check_report(lambda: dict(expected), expected)


def test_let_time_pass_moves_the_clock_and_only_says_so_when_the_clock_is_refused(sb, monkeypatch, capsys):
    before = sb.clock.now()
    operate.let_time_pass(2)
    assert sb.clock.now() - before >= 120

    class Refused:
        def advance(self, seconds: float) -> None:
            raise PermissionError("the grader's")

    monkeypatch.setattr(operate.sandbox, "current", lambda: type("Graded", (), {"clock": Refused()})())
    operate.let_time_pass(6)
    assert "the test moves the clock on 6 minutes itself" in capsys.readouterr().out


def _alarm(name: str, function: str, metric: str = "Errors", **changes) -> None:
    settings = {"AlarmName": name, "Namespace": "AWS/Lambda", "MetricName": metric, "Statistic": "Sum", "Period": 60,
                "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Dimensions": [{"Name": "FunctionName", "Value": function},
                               {"Name": "Resource", "Value": f"{function}:live"}]}
    boto3.client("cloudwatch").put_metric_alarm(**(settings | changes))


def test_the_alarm_check_takes_errors_of_the_function_or_its_alias_and_nothing_else(sb, unique):
    function = f"fn-{unique}"
    _alarm(f"good-{unique}", function)
    operate.check_metric_alarm(f"good-{unique}", function)
    _alarm(f"whole-{unique}", function, Dimensions=[{"Name": "FunctionName", "Value": function}])
    operate.check_metric_alarm(f"whole-{unique}", function)
    wrong = {"throttles": ({"metric": "Throttles"}, "Errors"),
             "other-function": ({"Dimensions": [{"Name": "FunctionName", "Value": "other"}]}, "set FunctionName"),
             "other-alias": ({"Dimensions": [{"Name": "FunctionName", "Value": function},
                                             {"Name": "Resource", "Value": f"{function}:beta"}]}, "Resource"),
             "slow": ({"Period": 300, "EvaluationPeriods": 3}, "canary would be over"),
             "deaf": ({"Threshold": 5}, "first error"),
             "rate": ({"Statistic": "Average"}, "use Sum")}
    for case, (changes, said) in wrong.items():
        _alarm(f"{case}-{unique}", function, **changes)
        with pytest.raises(CheckFailed, match=said):
            operate.check_metric_alarm(f"{case}-{unique}", function)
    with pytest.raises(CheckFailed, match="no metric alarm"):
        operate.check_metric_alarm(f"missing-{unique}", function)
