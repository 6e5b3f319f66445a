"""Lab 7 graded end to end with nbgrader: the reference solution, the released stub and a handler that reads
the secret on every invocation, graded in one `lambda-course grade` run shared by every assertion."""

from __future__ import annotations

import labtesting
import nbformat
import pytest
from lab_contract import LabContract

from grader.merge import cell_by_id
from lambda_course.labs import lab

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.xdist_group("lab7-grading")]

UNCACHED = '    if _token_cache["value"] is None or age > CACHE_TTL_SECONDS:'


class TestGrading(LabContract):
    LAB, POINTS = lab("lab7-secrets"), 10
    RELEASED_CELLS_OMIT = {"q3-answer": ("get_secret_value",), "q2-answer": ("EncryptionContext",)}
    FEEDBACK_OMITS = ("ttl_seconds=1",)

    @classmethod
    def mistakes(cls) -> dict[str, nbformat.NotebookNode]:
        """cy: the solution's answers, except a handler that fetches the token on every invocation."""
        nb = labtesting.answered(cls.LAB)
        handler_cell = cell_by_id(nb, "q3-answer")
        assert UNCACHED in handler_cell.source
        handler_cell.source = handler_cell.source.replace(UNCACHED, "    if True:")
        return {"cy": nb}

    def test_reading_the_secret_every_time_loses_the_caching_points_and_says_so(self, batch):
        assert batch.score("cy", "q3-tests-works") == 1
        assert batch.score("cy", "q3-tests-cache") == 0
        assert batch.score("cy") == self.LAB.points - 2
        page = batch.feedback("cy")
        assert "read the secret 3 times" in page and "CACHE_TTL_SECONDS" in page
