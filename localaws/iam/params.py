"""A request's operation name and parameters, parsed with the service's botocore model (any protocol).

Parsing fails loudly: an error here reaches the authoriser, which denies the request rather than judge it on
parameters it could not read. Only an operation botocore does not model at all falls back to the URI's fields.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

import moto.core.request
from botocore.model import OperationNotFoundError
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from werkzeug.exceptions import MethodNotAllowed, NotFound


def operation_of(response: Any) -> str:
    """The API operation a moto response object is answering (ListObjectsV2, PutItem, Invoke...)."""
    action = response._get_action()
    if response.boto3_service_name == "s3" or not action:
        try:
            operation, uri_params = get_service_router(response.boto3_service_name).match(response.normalized_request)
            response.uri_match = response.uri_match or uri_params
            return operation.name
        except (NotFound, MethodNotAllowed):  # no route in the service's model: moto's own reading stands
            pass
    return action[0] if isinstance(action, list) else str(action or "")


@cache
def _protocol_reads_request() -> bool:
    """Whether moto's determine_request_protocol takes the request (moto 5.2.6) or its content type (5.2.5)."""
    return "request" in inspect.signature(moto.core.request.determine_request_protocol).parameters


def request_protocol(service_model: Any, request: Any) -> str:
    """The wire protocol of `request` (json, query, rest-json...), as the installed moto determines it."""
    determine = moto.core.request.determine_request_protocol  # read when called: tests replace it
    if _protocol_reads_request():
        return str(determine(service_model, request))
    return str(determine(service_model, request.content_type))


def parameters(response: Any, operation: str) -> dict[str, Any]:
    """The request's parameters by their API names, wherever the protocol puts them (body, query, path)."""
    request = response.normalized_request
    uri_params = dict(getattr(response, "uri_match", None) or {})
    service_model = get_service_model(response.boto3_service_name)
    try:
        operation_model = service_model.operation_model(operation)
    except OperationNotFoundError:  # an operation botocore does not model: the URI's fields are all there is
        return uri_params
    parser = PROTOCOL_PARSERS[request_protocol(service_model, request)](operation_model, map_type=dict)
    parsed = parser.parse({"method": request.method, "values": request.values, "headers": request.headers,
                           "body": request.data, "url_path": request.path, "url_params": uri_params})
    return {**uri_params, **dict(parsed)}
