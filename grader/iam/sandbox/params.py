"""A request's operation name and parameters, parsed with the service's botocore model (any protocol)."""

from __future__ import annotations

from typing import Any


def operation_of(response: Any) -> str:
    """The API operation a moto response object is answering (ListObjectsV2, PutItem, Invoke...)."""
    from moto.core.routing import get_service_router

    action = response._get_action()
    if response.boto3_service_name == "s3" or not action:
        try:
            operation, uri_params = get_service_router(response.boto3_service_name).match(response.normalized_request)
            response.uri_match = response.uri_match or uri_params
            return operation.name
        except Exception:  # no route: fall back to what moto worked out
            pass
    return action[0] if isinstance(action, list) else str(action or "")


def parameters(response: Any, operation: str) -> dict[str, Any]:
    """The request's parameters by their API names, wherever the protocol puts them (body, query, path)."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model

    request = response.normalized_request
    try:
        service_model = get_service_model(response.boto3_service_name)
        operation_model = service_model.operation_model(operation)
        protocol = determine_request_protocol(service_model, request.content_type)
        parser = PROTOCOL_PARSERS[protocol](operation_model, map_type=dict)
        parsed = parser.parse({"method": request.method, "values": request.values, "headers": request.headers,
                               "body": request.data, "url_path": request.path,
                               "url_params": getattr(response, "uri_match", None) or {}})
    except Exception:  # an operation botocore does not know: authorise with what the URI told us
        parsed = {}
    return {**(getattr(response, "uri_match", None) or {}), **dict(parsed)}
