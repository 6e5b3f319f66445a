"""Lab 6 graded end to end with nbgrader: the reference solution, the released stub and a typical mistake,
graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import nbformat
import pytest
from lab_contract import LabContract

from grader.grading import labtesting
from grader.grading.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab6-grading")]

LAMBDA_FOR_THE_BATCH_JOB = 'answer_batch_40_minutes = {"choice": "lambda", "constraints": ["event-driven"]}'


class TestGrading(LabContract):
    LAB, POINTS = lab("lab6-architecture"), 15
    RELEASED_CELLS_OMIT = {"q1-answer": ('"choice": "fargate"',)}
    FEEDBACK_OMITS = ("check_scenario(&quot;gpu-inference&quot;", 'check_scenario("gpu-inference"')

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: every answer from the solution, except Lambda for the 40-minute batch job."""
        return {"cy": labtesting.answered(cls.LAB, {"q1-answer": LAMBDA_FOR_THE_BATCH_JOB})}

    def test_lambda_for_the_batch_job_costs_that_question_only_and_says_why(self, batch):
        assert batch.score("cy", "q1-tests") == 0
        assert batch.score("cy") == self.LAB.points - 2
        page = batch.feedback("cy")
        assert "15-minute-limit" in page and "(15 minutes)" in page
        assert "the better choice is fargate" in page
