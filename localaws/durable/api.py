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

from localaws import seams

if TYPE_CHECKING:
    from localaws.durable.service import DurableService

RESPONSES = "moto.awslambda.responses:LambdaResponse"
# The operations botocore's Lambda model gives these paths, as moto's dispatch names their methods.
OPERATIONS = ("checkpoint_durable_execution", "get_durable_execution", "get_durable_execution_state",
              "get_durable_execution_history", "list_durable_executions_by_function", "stop_durable_execution",
              "send_durable_execution_callback_success", "send_durable_execution_callback_failure",
              "send_durable_execution_callback_heartbeat")
ROUTES = (seams.DURABLE_EXECUTIONS_ROUTE, seams.DURABLE_CALLBACKS_ROUTE, seams.DURABLE_BY_FUNCTION_ROUTE)
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


def make_methods(get_service: Callable[[], DurableService]) -> dict[str, Callable[[Any], Any]]:
    """The LambdaResponse methods of the API's operations; moto's dispatch runs IAM's check before each."""

    def method(self: Any) -> tuple[int, dict[str, str], bytes]:
        body = self.body if isinstance(self.body, bytes) else (self.body or "").encode()
        return _answer(get_service, self.method, self.uri, body, self.headers)

    return {name: method for name in OPERATIONS}


def install(get_service: Callable[[], DurableService]) -> None:
    """Add the API's routes and operations to moto's Lambda endpoint, once per process (before it builds its URLs)."""
    from moto.awslambda.responses import LambdaResponse  # moto loads at sandbox start: start-up time

    for pattern in ROUTES:
        if not seams.is_patched(seams.LAMBDA_URLS, pattern):
            seams.add_route(seams.LAMBDA_URLS, pattern, LambdaResponse.dispatch)
    for name, handler in make_methods(get_service).items():
        seams.patch(f"{RESPONSES}.{name}", handler)
