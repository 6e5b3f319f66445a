"""What Lambda's API refuses before it changes a function or runs one: bad configuration values and bad payloads.

CreateFunction and UpdateFunctionConfiguration check the values they are given in the order Lambda does: the
members the API model bounds (MemorySize, Timeout) first, as one ValidationException listing every violation;
then the runtime, which must be one the API knows and one Lambda still takes (localaws.runtime.deprecation:
no new function after its block-create date, no update after its block-update date); then the environment, which
may use no reserved key and must fit in 4 KB as the compact JSON Lambda measures. Invoke refuses a payload that
is not JSON. moto 5.2 checks none of this; `install()` puts the configuration checks in front of moto's backend,
so that a refused request changes nothing, and the sandbox's Invoke (localaws.runtime.moto_seam) calls
`check_payload`. It installs the checks of PublishLayerVersion (localaws.runtime.layer_validation) and of event
source mappings (localaws.runtime.mapping_validation) along with them.

https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from localaws import seams
from localaws.credentials import service_model
from localaws.facts import value
from localaws.runtime import deprecation, layer_validation, mapping_validation
from localaws.runtime.errors import InvokeError
from localaws.runtime.refusal import Refusal, range_violation, validation_refusal

_CREATE = "moto.awslambda.models:LambdaBackend.create_function"
_UPDATE = "moto.awslambda.models:LambdaBackend.update_function_configuration"

# The keys Lambda sets itself and refuses in a function's configuration ("Defined runtime environment variables",
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RESERVED_KEYS = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
})
_ENV_PREFIX = "Lambda was unable to configure your environment variables because the environment variables you have "


@functools.cache
def runtimes() -> tuple[str, ...]:
    """The Runtime values Lambda's API accepts, read from botocore's model of the Lambda service."""
    return tuple(service_model("lambda").shape_for("Runtime").enum)


def _bound(spec: Mapping[str, Any], member: str, low_fact: str, high_fact: str) -> str | None:
    """The violation of one numeric member's range (its limits are facts), or None."""
    return range_violation(member, spec.get(member), value(low_fact), value(high_fact))


def _bounds_refusal(spec: Mapping[str, Any]) -> Refusal | None:
    """MemorySize and Timeout outside Lambda's ranges, every violation in one ValidationException."""
    found = [text for text in (_bound(spec, "MemorySize", "memory_min_mb", "memory_max_mb"),
                               _bound(spec, "Timeout", "timeout_min_s", "timeout_max_s")) if text]
    return validation_refusal(found)


def _runtime_refusal(spec: Mapping[str, Any]) -> Refusal | None:
    """A Runtime that is not one of the API's, refused as Lambda refuses it."""
    runtime = spec.get("Runtime")
    if runtime is None or runtime in runtimes():
        return None
    return Refusal("InvalidParameterValueException", f"Value {runtime} at 'runtime' failed to satisfy constraint: "
                   f"Member must satisfy enum value set: [{', '.join(runtimes())}] or be a valid ARN")


def _variables(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The environment variables a request sets (none when it sets no environment)."""
    return dict((spec.get("Environment") or {}).get("Variables") or {})


def _environment_refusal(spec: Mapping[str, Any]) -> Refusal | None:
    """Reserved keys, then a total size over the limit: AWS measures the variables as compact JSON."""
    variables = _variables(spec)
    reserved = [key for key in variables if key in RESERVED_KEYS]
    if reserved:
        return Refusal("InvalidParameterValueException", f"{_ENV_PREFIX}provided contains reserved keys that are "
                       f"currently not supported for modification. Reserved keys used in this request: "
                       f"{', '.join(reserved)}")
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    limit_kb = value("env_vars_total_kb")
    if len(measured.encode()) <= limit_kb * 1024:
        return None
    return Refusal("InvalidParameterValueException",
                   f"{_ENV_PREFIX}provided exceeded the {limit_kb}KB limit. String measured: {measured}")


def configuration_refusal(spec: Mapping[str, Any], lifecycle: Refusal | None = None) -> Refusal | None:
    """What Lambda answers to a CreateFunction or UpdateFunctionConfiguration body it refuses, or None.

    `lifecycle` is the refusal of a deprecated runtime, if any, which Lambda gives after the runtime's own check.
    """
    return _bounds_refusal(spec) or _runtime_refusal(spec) or lifecycle or _environment_refusal(spec)


def _no_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which are not JSON although Python's parser takes them."""
    raise ValueError(f"Non-standard token '{name}'")


def check_payload(payload: bytes) -> None:
    """Raise the InvokeError Lambda answers with when an Invoke payload is not JSON; the handler never runs."""
    try:
        json.loads(payload, parse_constant=_no_constant)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise InvokeError("InvalidRequestContentException",
                          f"Could not parse request body into json: Could not parse payload into json: {error}"
                          ) from None


def _refusing(target: str, error: type[Exception], body: Callable[..., Mapping[str, Any]],
              lifecycle: Callable[..., Refusal | None]) -> Callable[..., Any]:
    """moto's method behind `target`, after the checks: a refused request raises `error` and changes nothing."""
    original = seams.original(target)

    @functools.wraps(original)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        refusal = configuration_refusal(body(*args, **kwargs), lifecycle(self, *args, **kwargs))
        if refusal is not None:
            raise error(refusal.code, refusal.message)
        return original(self, *args, **kwargs)

    return checked


def _create_body(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The values CreateFunction sets: the whole request body, as moto's backend receives it."""
    return spec


def _update_body(function_name: str, qualifier: str | None, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The values UpdateFunctionConfiguration sets: only those the request names, so only those are checked."""
    return body


def _create_lifecycle(backend: Any, spec: Mapping[str, Any]) -> Refusal | None:
    """A new function on a runtime past its block-create date."""
    return deprecation.create_refusal(spec.get("Runtime"))


def _update_lifecycle(backend: Any, function_name: str, qualifier: str | None,
                      body: Mapping[str, Any]) -> Refusal | None:
    """An update of a function whose runtime, after the update, is past its block-update date.

    A function that does not exist is left to moto, which answers ResourceNotFoundException as Lambda does.
    """
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time

    runtime = body.get("Runtime")
    if runtime is None:
        try:
            runtime = backend.get_function(function_name, qualifier).run_time
        except LambdaClientError:  # no such function: moto's own update refuses it next
            return None
    return deprecation.update_refusal(runtime)


def install() -> None:
    """Check CreateFunction's, UpdateFunctionConfiguration's, PublishLayerVersion's and event source mappings'
    values before moto stores them (idempotent)."""
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time

    if seams.is_patched(_CREATE):
        return
    seams.patch(_CREATE, _refusing(_CREATE, LambdaClientError, _create_body, _create_lifecycle))
    seams.patch(_UPDATE, _refusing(_UPDATE, LambdaClientError, _update_body, _update_lifecycle))
    layer_validation.install()
    mapping_validation.install()


__all__ = ["RESERVED_KEYS", "Refusal", "check_payload", "configuration_refusal", "install", "runtimes"]
