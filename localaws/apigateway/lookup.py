"""Finding the APIs, functions and function URLs moto stores, in whichever account and region holds them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_FUNCTION_ARN = re.compile(
    r"arn:aws[\w-]*:lambda:(?P<region>[\w-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[\w-]+)(?::(?P<qualifier>[\w$-]+))?"
)
_FUNCTION_NAME = re.compile(r"[\w-]+(?::[\w$-]+)?")  # a name, perhaps with a qualifier


def _backends(backend_dict: Any) -> Iterator[Any]:
    """Every backend moto has already created (never creates one as a side effect)."""
    for regions in list(backend_dict.values()):
        yield from list(regions.values())


def rest_api(api_id: str) -> Any | None:
    """The moto RestAPI with this id, if any."""
    from moto.apigateway.models import apigateway_backends  # moto loads at sandbox start: start-up time

    return next((b.apis[api_id] for b in _backends(apigateway_backends) if api_id in b.apis), None)


def http_api(api_id: str) -> Any | None:
    """The moto apigatewayv2 Api with this id, if any."""
    from moto.apigatewayv2.models import apigatewayv2_backends  # moto loads at sandbox start: start-up time

    return next((b.apis[api_id] for b in _backends(apigatewayv2_backends) if api_id in b.apis), None)


def _lambda_backends() -> Iterator[Any]:
    from moto.awslambda.models import lambda_backends  # moto loads at sandbox start: start-up time

    return _backends(lambda_backends)


def target_for_uri(uri: str) -> tuple[Any, str | None, Any] | None:
    """The Lambda backend, the qualifier (alias or version, if any) and the function an integration URI names, or
    None if there is no such function.

    Accepts both a plain function ARN and API Gateway's
    `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function-arn>/invocations` form.
    """
    found = _FUNCTION_ARN.search(uri or "")
    if found is None:
        return None
    from moto.awslambda.exceptions import UnknownFunctionException  # moto loads at sandbox start: start-up time
    from moto.awslambda.models import lambda_backends  # moto loads at sandbox start: start-up time

    regions = dict.get(lambda_backends, found["account"])  # dict.get: looking must not create a backend
    backend = dict.get(regions, found["region"]) if regions is not None else None
    if backend is None:  # no function was ever created in that account and region
        return None
    try:
        return backend, found["qualifier"], backend.get_function(found["name"], found["qualifier"])
    except UnknownFunctionException:  # no such function, version or alias
        return None


def function_with_url(name: str) -> Any | None:
    """The function called `name` if it has a function URL configuration."""
    from moto.awslambda.exceptions import UnknownFunctionException  # moto loads at sandbox start: start-up time

    if not _FUNCTION_NAME.fullmatch(name):  # not a function name at all (moto cannot even parse some)
        return None
    for backend in _lambda_backends():
        try:
            fn = backend.get_function(name)
        except UnknownFunctionException:  # not in this account and region; look in the next
            continue
        if getattr(fn, "url_config", None) is not None:
            return fn
    return None
