"""Lab 6 graded end to end with nbgrader: the reference solution, the released stub and a typical mistake,
graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from lambda_course.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab6-grading")]

LAMBDA_FOR_THE_BATCH_JOB = 'answer_batch_40_minutes = {"choice": "lambda", "constraints": ["event-driven"]}'
PERMISSION = """boto3.client("lambda").add_permission(
    FunctionName=FUNCTION_NAME, StatementId=f"from-api-{api_id}", Action="lambda:InvokeFunction",
    Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{sb.region}:123456789012:{api_id}/*",
)
"""
PRIVATE = """IntegrationUri=ingress.listener_arn,
    ConnectionType="VPC_LINK", ConnectionId=link["VpcLinkId"],"""
PLAIN = """IntegrationUri=catalog.url + "/catalog/{proxy}","""


def _hybrid_answer(old: str, new: str) -> str:
    """The solution's hybrid API cell with one piece of it changed."""
    source = cell_by_id(labtesting.solution(lab("lab6-architecture")), "q7-answer").source
    assert old in source, "the lab 6 solution no longer builds the API this test expects"
    return source.replace(old, new)


class TestGrading(LabContract):
    LAB, POINTS = lab("lab6-architecture"), 15
    RELEASED_CELLS_OMIT = {"q1-answer": ('"choice": "fargate"',)}
    FEEDBACK_OMITS = ("check_scenario(&quot;gpu-inference&quot;", 'check_scenario("gpu-inference"')

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: Lambda for the 40-minute batch job; dee: the catalogue route by plain URL, no VPC link; eve: no
        permission for API Gateway to invoke the webhook function. Every other answer is the solution's."""
        return {
            "cy": labtesting.answered(cls.LAB, {"q1-answer": LAMBDA_FOR_THE_BATCH_JOB}),
            "dee": labtesting.answered(cls.LAB, {"q7-answer": _hybrid_answer(PRIVATE, PLAIN)}),
            "eve": labtesting.answered(cls.LAB, {"q7-answer": _hybrid_answer(PERMISSION, "")}),
        }

    def test_lambda_for_the_batch_job_costs_that_question_only_and_says_why(self, batch):
        assert batch.score("cy", "q1-tests") == 0
        assert batch.score("cy") == self.LAB.points - 2
        page = batch.feedback("cy")
        assert "15-minute-limit" in page and "(15 minutes)" in page
        assert "the better choice is fargate" in page

    def test_a_catalogue_route_by_plain_url_loses_the_vpc_link_point(self, batch):
        assert batch.score("dee", "q7-tests-cluster") == 0
        assert batch.score("dee") == self.LAB.points - 1
        assert "not through a VPC link" in batch.feedback("dee")

    def test_a_webhook_api_gateway_may_not_invoke_loses_the_lambda_point_and_says_why(self, batch):
        assert batch.score("eve", "q7-tests-lambda") == 0
        assert batch.score("eve") == self.LAB.points - 1
        page = batch.feedback("eve")
        assert "may not invoke" in page and "add_permission" in page
