"""The account's concurrency as Lambda's API shows it: GetAccountSettings, and PutFunctionConcurrency's refusal.

moto 5.2 has no GetAccountSettings route and, unless an environment variable is set, accepts any reservation.
`install()` adds the route (before moto builds its Lambda app) and wraps `LambdaBackend.put_function_concurrency`
so that both read the limit the sandbox enforces (`sb.set_account_concurrency(n)`): a reservation that would
leave the unreserved pool below Lambda's minimum is refused with InvalidParameterValueException, as on AWS.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.responses import LambdaResponse

from localaws import seams
from localaws.facts import value
from localaws.runtime.concurrency import ConcurrencyLimits, reservation_error

_PUT = "moto.awslambda.models:LambdaBackend.put_function_concurrency"
_limits: Callable[[], ConcurrencyLimits] = ConcurrencyLimits  # what install() was given: the limits enforced now


def _reserved(backend: Any, except_name: str | None = None) -> int:
    """Concurrency reserved by the account's functions in this Region (leaving one function out)."""
    return sum(int(fn.reserved_concurrency) for fn in backend.list_functions()
               if fn.reserved_concurrency is not None and fn.function_name != except_name)


def account_settings(backend: Any) -> dict[str, Any]:
    """GetAccountSettings' answer: the limits, the unreserved pool, and what the account's code takes up."""
    limit = _limits().account_limit
    functions = list(backend.list_functions())
    code_size = sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions)
    return {
        "AccountLimit": {
            "TotalCodeSize": int(value("code_storage_gb") * 1024**3),
            "CodeSizeUnzipped": int(value("package_unzipped_mb") * 1024**2),
            "CodeSizeZipped": int(value("package_zip_direct_mb") * 1024**2),
            "ConcurrentExecutions": limit,
            "UnreservedConcurrentExecutions": max(0, limit - _reserved(backend)),
        },
        "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
    }


def _get_account_settings(self: Any) -> tuple[int, dict[str, str], str]:
    """The HTTP side of GetAccountSettings, added to moto's LambdaResponse."""
    return 200, {"content-type": "application/json"}, json.dumps(account_settings(self.backend))


def _put_function_concurrency(self: Any, function_name: str, reserved_concurrency: Any) -> Any:
    """moto's PutFunctionConcurrency, after the check Lambda makes against the account's unreserved pool."""
    name = self.get_function(function_name).function_name
    problem = reservation_error(_limits().account_limit, _reserved(self, except_name=name), int(reserved_concurrency))
    if problem is not None:
        raise InvalidParameterValueException(problem)
    return seams.original(_PUT)(self, function_name, reserved_concurrency)


def install(limits: Callable[[], ConcurrencyLimits]) -> None:
    """Add GetAccountSettings and the reservation check to moto (idempotent); call before moto's app is built.

    `limits()` gives the account's limits at the time of each call: the installed runtime's, which may change.
    """
    global _limits
    _limits = limits
    if seams.is_patched(_PUT):
        return
    seams.add_route(seams.LAMBDA_URLS, seams.ACCOUNT_SETTINGS_ROUTE, LambdaResponse.dispatch)
    seams.patch("moto.awslambda.responses:LambdaResponse.get_account_settings", _get_account_settings)
    seams.patch(_PUT, functools.wraps(seams.original(_PUT))(_put_function_concurrency))
