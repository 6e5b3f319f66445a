"""Lab 6 graded end to end with nbgrader: the reference solution, the released stub and a typical mistake,
graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import html

import labtesting
import nbformat
import pytest
from lab_contract import LabContract, autograded_points

from grader.merge import cell_by_id
from lambda_course.architecture import vocabulary
from lambda_course.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab6-grading")]

LAMBDA_FOR_THE_BATCH_JOB = 'answer_batch_40_minutes = {"choice": "lambda", "constraints": ["event-driven"]}'
HALF_RIGHT_SPIKY = ('answer_spiky_api_backend = {"choice": "lambda", '
                    '"constraints": ["spiky-traffic", "15-minute-limit"]}')
ON_DEMAND_FOR_FRAUD = ('answer_card_fraud_scoring = {"choice": "lambda", '
                       '"constraints": ["steady-compute-heavy", "existing-functions"]}')
Q1_WEIGH = ["15-minute-limit", "gpu", "long-lived-connections", "spiky-traffic"]
Q2_WEIGH = ["spiky-traffic", "scale-to-zero", "15-minute-limit", "in-memory-state"]
MI_WEIGH = ["steady-compute-heavy", "existing-functions", "15-minute-limit", "long-lived-connections"]
Q3_WEIGH = ["gpu", "spiky-traffic", "15-minute-limit", "portability"]
Q4_WEIGH = ["long-lived-connections", "in-memory-state", "gpu", "scale-to-zero"]
Q5_WEIGH = ["steady-high-throughput-cost", "scale-to-zero", "concurrency-quota", "15-minute-limit"]
GPU_FOR_PORTABILITY = 'answer_gpu_inference = {"choice": "eks", "constraints": ["gpu", "portability"]}'
CHAT_NEVER_IDLE_MISREAD = ('answer_websocket_chat = {"choice": "fargate", '
                           '"constraints": ["long-lived-connections", "scale-to-zero"]}')
STEADY_CONSTRAINTS = '"constraints": ["steady-high-throughput-cost"],'
STEADY_WITH_QUOTA = '"constraints": ["steady-high-throughput-cost", "concurrency-quota"],'
PERMISSION = """boto3.client("lambda").add_permission(
    FunctionName=FUNCTION_NAME, StatementId=f"from-api-{api_id}", Action="lambda:InvokeFunction",
    Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{sb.region}:123456789012:{api_id}/*",
)
"""
PRIVATE = """IntegrationUri=ingress.listener_arn,
    ConnectionType="VPC_LINK", ConnectionId=link["VpcLinkId"],"""
PLAIN = """IntegrationUri=catalog.url + "/catalog/{proxy}","""


def _solution_answer(grade_id: str, old: str, new: str) -> str:
    """The solution's answer cell `grade_id` with one piece of it changed."""
    source = cell_by_id(labtesting.solution(lab("lab6-architecture")), grade_id).source
    assert old in source, f"the lab 6 solution's {grade_id} no longer holds what this test changes"
    return source.replace(old, new)


def _hybrid_answer(old: str, new: str) -> str:
    """The solution's hybrid API cell with one piece of it changed."""
    return _solution_answer("q7-answer", old, new)


class TestGrading(LabContract):
    LAB, POINTS = lab("lab6-architecture"), 23
    RELEASED_CELLS_OMIT = {"q1-answer": ('"choice": "fargate"',), "q3-answer": ('"choice": "eks"',),
                           "q4-answer": ('"choice": "fargate"',), "q5-answer": ('"choice": "fargate"',)}
    FEEDBACK_OMITS = ("evt_8", "/catalog/carts/42")  # the hybrid's hidden requests

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: Lambda for the 40-minute batch job; dee: the catalogue route by plain URL, no VPC link; eve: no
        permission for API Gateway to invoke the webhook function; fay: the right platforms with half-right
        reasons; gus: the right platforms for questions 3 to 5, each with a constraint that does not bear on the
        workload (and on question 4 one that decides left out). Every other answer is the solution's."""
        return {
            "cy": labtesting.answered(cls.LAB, {"q1-answer": LAMBDA_FOR_THE_BATCH_JOB}),
            "fay": labtesting.answered(cls.LAB, {"q2-answer": HALF_RIGHT_SPIKY, "mi-answer": ON_DEMAND_FOR_FRAUD}),
            "gus": labtesting.answered(cls.LAB, {
                "q3-answer": GPU_FOR_PORTABILITY,
                "q4-answer": CHAT_NEVER_IDLE_MISREAD,
                "q5-answer": _solution_answer("q5-answer", STEADY_CONSTRAINTS, STEADY_WITH_QUOTA),
            }),
            "dee": labtesting.answered(cls.LAB, {"q7-answer": _hybrid_answer(PRIVATE, PLAIN)}),
            "eve": labtesting.answered(cls.LAB, {"q7-answer": _hybrid_answer(PERMISSION, "")}),
        }

    def test_lambda_for_the_batch_job_costs_that_question_only_and_says_why(self, batch):
        assert batch.score("cy", "q1-tests-choice") == 0
        assert [batch.score("cy", f"q1-tests-{c}") for c in Q1_WEIGH] == [0, 0.25, 0.25, 0.25]
        assert batch.score("cy") == autograded_points(self.LAB) - 1.25
        page = batch.feedback("cy")
        assert "15-minute-limit" in page and "(15 minutes)" in page
        assert "the better choice is fargate" in page

    def test_each_constraint_earns_its_own_share_with_its_own_message(self, batch):
        assert batch.score("fay", "q2-tests-choice") == 1
        assert [batch.score("fay", f"q2-tests-{c}") for c in Q2_WEIGH] == [0.25, 0, 0, 0.25]
        assert batch.score("fay", "mi-tests-choice") == 0
        assert [batch.score("fay", f"mi-tests-{c}") for c in MI_WEIGH] == [0.25] * 4  # reasons right, platform not
        assert batch.score("fay") == autograded_points(self.LAB) - 0.5 - 1
        page = batch.feedback("fay")
        assert "drives this choice, but your answer leaves it out" in page
        assert "does not bear on this workload, but your answer names it" in page
        assert "the better choice is lambda-managed-instances" in page

    def test_the_right_platforms_with_a_wrong_constraint_lose_exactly_those_constraint_points(self, batch):
        assert [batch.score("gus", f"{q}-tests-choice") for q in ("q3", "q4", "q5")] == [1, 1, 1]
        assert [batch.score("gus", f"q3-tests-{c}") for c in Q3_WEIGH] == [0.25, 0.25, 0.25, 0]
        assert [batch.score("gus", f"q4-tests-{c}") for c in Q4_WEIGH] == [0.25, 0, 0.25, 0]
        assert [batch.score("gus", f"q5-tests-{c}") for c in Q5_WEIGH] == [0.25, 0.25, 0, 0.25]
        assert batch.score("gus", "q5-tests-numbers") == 2
        assert batch.score("gus") == autograded_points(self.LAB) - 1
        page = html.unescape(batch.feedback("gus"))
        for word in ("portability", "scale-to-zero", "concurrency-quota"):
            assert f"{word!r} does not bear on this workload, but your answer names it. It says: " in page, word
        assert vocabulary()["concurrency-quota"] in page
        assert "'in-memory-state' drives this choice, but your answer leaves it out" in page
        assert "the better choice is" not in page  # every platform was right: no choice test complains

    def test_a_catalogue_route_by_plain_url_loses_the_vpc_link_point(self, batch):
        assert batch.score("dee", "q7-tests-cluster") == 0
        assert batch.score("dee") == autograded_points(self.LAB) - 1
        assert "not through a VPC link" in batch.feedback("dee")

    def test_a_webhook_api_gateway_may_not_invoke_loses_the_lambda_point_and_says_why(self, batch):
        assert batch.score("eve", "q7-tests-lambda") == 0
        assert batch.score("eve") == autograded_points(self.LAB) - 1
        page = batch.feedback("eve")
        assert "may not invoke" in page and "add_permission" in page
