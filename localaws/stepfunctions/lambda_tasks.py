"""Lambda Task states: invoked through the sandbox's Lambda API (so its runtime runs the handler), errors named as AWS.

Step Functions names a function's error after the exception the handler raised (its `errorType`); errors of the
Lambda platform itself, a timeout or running out of memory, are `Lambda.Unknown`; an error of the Invoke call is
`Lambda.<ErrorCode>`, such as `Lambda.TooManyRequestsException`
(https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). The Invoke is made as the
state machine's role, and one it may not make fails as `Lambda.AWSLambdaException` (localaws.stepfunctions.roles).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from localaws import facts
from localaws.stepfunctions.roles import LAMBDA_SERVICE_ERROR, RoleBoundLambda, RoleMayNotInvoke, cause_of

UNKNOWN = "Lambda.Unknown"
# The errorType the sandbox's runtime gives a function that timed out, ran out of memory or whose runtime died
# (localaws.runtime.environment): the platform's failures rather than the handler's own exceptions.
PLATFORM_ERRORS = frozenset({"Sandbox.Timedout", "Runtime.ExitError", "Runtime.Unknown"})
READ_MARGIN_S = 60  # beyond the longest function timeout, so a slow handler's answer is still read


def client_factory(endpoint_url: str) -> Callable[..., Any]:
    """moto's `boto_client_for`, pointed at this sandbox instead of moto's default port."""

    @functools.lru_cache(maxsize=32)
    def client_for(region: str, service: str) -> Any:
        """One client per service and region, kept: making a session and a client costs more than a whole Invoke,
        and boto3's clients are safe to share between threads."""
        config = Config(retries={"total_max_attempts": 1},
                        read_timeout=int(facts.value("timeout_max_s")) + READ_MARGIN_S)
        return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        """A client that makes one attempt and waits as long as a function may run, invoking as the task's role
        (the state machine's, or the task's own `Credentials`)."""
        client = client_for(region, service)
        if service != "lambda":
            return client
        return RoleBoundLambda(client, getattr(state_credentials, "role_arn", None), region)

    return boto_client_for


def error_name_for(payload: str) -> str:
    """The error name Step Functions reports for a function error whose response payload is `payload`."""
    try:
        error_type = json.loads(payload).get("errorType")
    except (ValueError, AttributeError):  # not a JSON object: Lambda's platform wrote it, not the handler
        return UNKNOWN
    if not isinstance(error_type, str) or not error_type or error_type in PLATFORM_ERRORS:
        return UNKNOWN
    return error_type


def _rename(failure_event: Any, error: str, make_name: Callable[[str], Any], cause: str | None = None) -> Any:
    """Give the failure event (and the details its history event carries) another error name, and cause if given."""
    failure_event.error_name = make_name(error)
    for details in (failure_event.event_details or {}).values():
        if isinstance(details, dict) and "error" in details:
            details["error"] = error
            if cause is not None:
                details["cause"] = cause
    return failure_event


def naming(original: Callable[..., Any], function_error: type, make_name: Callable[[str], Any]) -> Callable[..., Any]:
    """Wrap a Lambda task's `_from_error` so that function and API errors carry the names AWS gives them.

    `function_error` is moto's exception for a function error, `make_name` its constructor of custom error names.
    """

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        failure_event = original(self, env, ex)
        if isinstance(ex, function_error):
            return _rename(failure_event, error_name_for(ex.payload), make_name)  # type: ignore[attr-defined]
        if isinstance(ex, RoleMayNotInvoke):
            return _rename(failure_event, LAMBDA_SERVICE_ERROR, make_name, cause_of(ex))
        if isinstance(ex, ClientError):
            return _rename(failure_event, f"Lambda.{ex.response['Error']['Code']}", make_name)
        return failure_event

    return _from_error


__all__ = ["PLATFORM_ERRORS", "UNKNOWN", "client_factory", "error_name_for", "naming"]
