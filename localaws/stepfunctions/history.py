"""GetExecutionHistory as Step Functions answers it: newest first on request, a page at a time.

moto returns every event, oldest first, whatever is asked. AWS lists `maxResults` events (100 by default, at
most 1000) per page with a `nextToken` for the rest, and in descending order when `reverseOrder` is true
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html). Code that polls an
execution's latest event (`reverseOrder=True, maxResults=1`) needs both.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.stepfunctions.exceptions import InvalidToken, ValidationException

from localaws import facts


def get_execution_history(self: Any) -> ActionResult:
    """StepFunctionResponse.get_execution_history: the page of the history that the request asks for."""
    events = list(self.stepfunction_backend.get_execution_history(self._get_param("executionArn"))["events"])
    if self._get_param("reverseOrder"):
        events.reverse()
    size = _page_size(self._get_param("maxResults"))
    start = _offset(self._get_param("nextToken"), len(events))
    page: dict[str, Any] = {"events": events[start:start + size]}
    if start + size < len(events):
        page["nextToken"] = str(start + size)
    return ActionResult(page)


def _page_size(asked: Any) -> int:
    largest = int(facts.value("sfn_history_page_max"))
    if asked in (None, 0):
        return int(facts.value("sfn_history_page_default"))
    if not isinstance(asked, int) or not 0 < asked <= largest:
        raise ValidationException(f"1 validation error detected: Value '{asked}' at 'maxResults' failed to satisfy "
                                  f"constraint: Member must have value less than or equal to {largest}")
    return asked


def _offset(token: Any, total: int) -> int:
    if token is None:
        return 0
    if not isinstance(token, str) or not token.isdigit() or int(token) > total:
        raise InvalidToken("the nextToken does not come from this execution's history")
    return int(token)
