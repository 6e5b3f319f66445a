"""Lab 5 graded end to end with nbgrader: the reference solution, the released stub and typical mistakes (a role
that allows everything, one that writes anywhere in the thumbnails bucket, a permission without SourceArn),
graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from lambda_course.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab5-grading")]

STAR_POLICY = 'execution_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", ' \
              '"Resource": "*"}]}'
WHOLE_THUMBNAILS_BUCKET = """execution_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lab5-uploads/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::lab5-thumbnails/*"},
    {"Effect": "Allow", "Action": "dynamodb:PutItem",
     "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/lab5-images"}]}"""
ANY_BUCKET = 'bucket_permission = {"StatementId": "uploads-bucket", "Action": "lambda:InvokeFunction", ' \
             '"Principal": "s3.amazonaws.com", "SourceAccount": ACCOUNT}'


class TestGrading(LabContract):
    LAB, POINTS = lab("lab5-least-privilege"), 10
    RELEASED_CELLS_OMIT = {"q1-answer": ("lab5-thumbnails/thumbs/*",), "q2-answer": ("SourceAccount",)}
    FEEDBACK_OMITS = ("pass-role", "check_writes_stay_in_prefix")

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: an execution role that may do anything; dee: a bucket permission without SourceArn; eve: a role
        that writes thumbnails anywhere in their bucket, not only under thumbs/."""
        return {"cy": labtesting.answered(cls.LAB, {"q1-answer": STAR_POLICY}),
                "dee": labtesting.answered(cls.LAB, {"q2-answer": ANY_BUCKET}),
                "eve": labtesting.answered(cls.LAB, {"q1-answer": WHOLE_THUMBNAILS_BUCKET})}

    def test_a_role_that_allows_everything_loses_the_least_privilege_points_and_says_which_calls(self, batch):
        assert batch.score("cy", "q1-tests-works") == 3
        assert batch.score("cy", "q1-tests-least") == 0
        assert batch.score("cy") == self.LAB.points - 3
        page = batch.feedback("cy")
        assert "never makes" in page
        assert "s3:GetObject on arn:aws:s3:::lab5-payroll/salaries.csv" in page
        assert "dynamodb:DeleteItem" in page

    def test_a_bucket_permission_without_source_arn_loses_the_q2_points_and_names_the_condition(self, batch):
        assert batch.score("dee", "q2-tests") == 0
        assert batch.score("dee") == self.LAB.points - 4
        page = batch.feedback("dee")
        assert "also lets another bucket of your account invoke the function" in page
        assert "Set SourceArn to the uploads bucket" in page

    def test_a_role_that_writes_the_whole_thumbnails_bucket_loses_the_least_privilege_points(self, batch):
        assert batch.score("eve", "q1-tests-works") == 3
        assert batch.score("eve", "q1-tests-least") == 0
        assert batch.score("eve") == self.LAB.points - 3
