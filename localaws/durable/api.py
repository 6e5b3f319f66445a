"""Lambda's durable execution API (moto has none), served on moto's Lambda endpoint for boto3 and the SDK.

CheckpointDurableExecution, GetDurableExecutionState, GetDurableExecution, GetDurableExecutionHistory,
ListDurableExecutionsByFunction, StopDurableExecution and the SendDurableExecutionCallback calls have the paths of
botocore's Lambda model (`/2025-12-01/...`). Requests are routed and answered by the published model's own
request handlers, in front of the sandbox's engine (localaws.durable.service). The routes and the operations
methods are declared seams, and go through moto's dispatch, so a handler's calls are authorised as its execution
role's, with the IAM actions AWS names (lambda:CheckpointDurableExecution...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException, ServiceException, UnknownRouteError
from aws_durable_execution_sdk_python_testing.web import handlers as web
from aws_durable_execution_sdk_python_testing.web import routes
from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse

if TYPE_CHECKING:
    from localaws.durable.service import DurableService

# The API's operations: each route type of the model and the handler that answers it (the model's own).
HANDLERS: dict[type[routes.Route], type[web.EndpointHandler]] = {
    routes.GetDurableExecutionRoute: web.GetDurableExecutionHandler,
    routes.CheckpointDurableExecutionRoute: web.CheckpointDurableExecutionHandler,
    routes.StopDurableExecutionRoute: web.StopDurableExecutionHandler,
    routes.GetDurableExecutionStateRoute: web.GetDurableExecutionStateHandler,
    routes.GetDurableExecutionHistoryRoute: web.GetDurableExecutionHistoryHandler,
    routes.ListDurableExecutionsByFunctionRoute: web.ListDurableExecutionsByFunctionHandler,
    routes.CallbackSuccessRoute: web.SendDurableExecutionCallbackSuccessHandler,
    routes.CallbackFailureRoute: web.SendDurableExecutionCallbackFailureHandler,
    routes.CallbackHeartbeatRoute: web.SendDurableExecutionCallbackHeartbeatHandler,
}
_ROUTER = routes.Router(list(HANDLERS))


def _wire(response: HTTPResponse) -> tuple[int, dict[str, str], bytes]:
    """The answer moto's server sends: status, headers (JSON content type), body bytes."""
    headers = {"content-type": "application/json", **response.headers}
    return response.status_code, headers, response.body_to_bytes() if response.body else b""


def _request(method: str, full_url: str, body: bytes, headers: Any) -> tuple[routes.Route, HTTPRequest]:
    """Route the request as the model's server does; the path stays encoded so an ARN keeps its slashes."""
    parts = urlsplit(full_url)
    route = _ROUTER.find_route(parts.path, method)
    query = parse_qs(parts.query)
    plain_headers = dict(headers.items()) if headers is not None else {}
    if isinstance(route, routes.BytesPayloadRoute):
        return route, HTTPRequest.from_raw_bytes(body, method, route, plain_headers, query)
    return route, HTTPRequest.from_bytes(body, None, method, route, plain_headers, query)


def _answer(get_service: Callable[[], DurableService], method: str, full_url: str, body: bytes,
            headers: Any) -> tuple[int, dict[str, str], bytes]:
    """Answer one durable API request from whichever sandbox runs now, with the model's handler for its route."""
    try:
        route, parsed = _request(method, full_url, body, headers)
        handler = HANDLERS[type(route)](get_service().executor)
        return _wire(handler.handle(route, parsed))
    except UnknownRouteError as error:
        return _wire(HTTPResponse.create_error_from_exception(ServiceException(
            f"{error}: this durable execution call is not one Lambda's API has.")))
    except AwsApiException as error:
        return _wire(HTTPResponse.create_error_from_exception(error))


def answer(response: Any, get_service: Callable[[], DurableService]) -> tuple[int, dict[str, str], bytes]:
    """Answer the durable API request moto's LambdaResponse holds (its dispatch has run IAM's check already)."""
    body = response.body if isinstance(response.body, bytes) else (response.body or "").encode()
    return _answer(get_service, response.method, response.uri, body, response.headers)
