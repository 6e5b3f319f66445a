"""What Lambda's control plane and Invoke refuse, refused by the sandbox itself with AWS's codes and statuses.

The clients here skip botocore's own parameter checks (`parameter_validation=False`), so that every refusal
shown comes from the sandbox and not from the SDK.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_course.deploy import deploy_function, ensure_role, invoke, zip_source
from localaws.facts import value

HANDLER = "def handler(event, context):\n    return event\n"
COUNTER = "CALLS = []\ndef handler(event, context):\n    CALLS.append(event)\n    return len(CALLS)\n"
# The keys Lambda sets itself, which a configuration may not set ("Defined runtime environment variables",
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RESERVED = ["_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"]


def _client() -> Any:
    """A Lambda client that sends what it is given, so that only the sandbox can refuse it."""
    return boto3.client("lambda", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))


def _create(name: str, **config: Any) -> dict[str, Any]:
    """CreateFunction with a Python handler and the values under test."""
    spec: dict[str, Any] = {"Runtime": "python3.12", "Handler": "app.handler", "Role": ensure_role()}
    return _client().create_function(FunctionName=name, Code={"ZipFile": zip_source(HANDLER)}, **{**spec, **config})


def _refusal(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    """The error code, HTTP status and message of a request the sandbox must refuse."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def _exists(name: str) -> bool:
    """Whether the function was stored (a refused CreateFunction stores nothing)."""
    try:
        _client().get_function(FunctionName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False
    return True


def _variables_of_size(size: int) -> dict[str, str]:
    """One variable whose compact JSON form ({"K":"..."}), the string Lambda measures, is `size` bytes long."""
    return {"K": "x" * (size - len('{"K":""}'))}


# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
@pytest.mark.parametrize(("member", "found", "constraint"), [
    ("MemorySize", 127, "greater than or equal to 128"),
    ("MemorySize", 10241, "less than or equal to 10240"),
    ("Timeout", 0, "greater than or equal to 1"),
    ("Timeout", 901, "less than or equal to 900"),
])
def test_create_refuses_memory_and_timeout_outside_lambdas_ranges(sb, unique, member, found, constraint):
    """CreateFunction: MemorySize 128-10,240 MB and Timeout 1-900 s, else a 400 ValidationException."""
    name = f"range-{unique}"
    code, status, message = _refusal(_create, name=name, **{member: found})
    assert (code, status) == ("ValidationException", 400)
    field = member[0].lower() + member[1:]
    assert message == (f"1 validation error detected: Value '{found}' at '{field}' failed to satisfy constraint: "
                        f"Member must have value {constraint}")
    assert not _exists(name)


# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
def test_every_range_violation_is_listed_in_one_refusal(sb, unique):
    """Lambda reports all the members that break their constraints in one ValidationException."""
    code, status, message = _refusal(_create, name=f"ranges-{unique}", MemorySize=64, Timeout=1000)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("2 validation errors detected: ")
    assert "Value '64' at 'memorySize'" in message and "Value '1000' at 'timeout'" in message


# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
@pytest.mark.parametrize(("memory", "timeout"), [(128, 900), (10240, 1)])
def test_create_accepts_the_ends_of_the_ranges(sb, unique, memory, timeout):
    """The limits themselves are allowed: 128 and 10,240 MB, 1 and 900 s."""
    assert (memory, timeout) in {(value("memory_min_mb"), value("timeout_max_s")),
                                 (value("memory_max_mb"), value("timeout_min_s"))}
    config = _create(f"ends-{unique}", MemorySize=memory, Timeout=timeout)
    assert (config["MemorySize"], config["Timeout"]) == (memory, timeout)


# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
def test_create_refuses_a_runtime_the_api_does_not_know(sb, unique):
    """Runtime must be one of the API's Runtime values, else a 400 InvalidParameterValueException."""
    name = f"runtime-{unique}"
    code, status, message = _refusal(_create, name=name, Runtime="python9.99")
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith("Value python9.99 at 'runtime' failed to satisfy constraint: Member must satisfy "
                              "enum value set: [")
    assert "python3.12" in message and message.endswith("] or be a valid ARN")
    assert not _exists(name)


# https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
@pytest.mark.parametrize("runtime", ["python3.12", "python3.13", "nodejs20.x", "provided.al2023"])
def test_create_accepts_runtimes_in_the_apis_list(sb, unique, runtime):
    """Runtimes in the API's list are accepted at creation, whether the sandbox runs them or not."""
    assert _create(f"rt-{unique}", Runtime=runtime)["Runtime"] == runtime


# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
@pytest.mark.parametrize("key", RESERVED)
def test_create_refuses_each_reserved_environment_key(sb, unique, key):
    """Keys Lambda defines itself cannot be set: a 400 InvalidParameterValueException naming them."""
    name = f"reserved-{unique}"
    code, status, message = _refusal(_create, name=name, Environment={"Variables": {"STAGE": "dev", key: "x"}})
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message == ("Lambda was unable to configure your environment variables because the environment "
                       "variables you have provided contains reserved keys that are currently not supported for "
                       f"modification. Reserved keys used in this request: {key}")
    assert not _exists(name)


# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
def test_keys_that_only_look_reserved_are_allowed(sb, unique):
    """Only the listed keys are reserved: PATH-like or AWS-prefixed keys of one's own are fine."""
    variables = {"AWS_REGION_NAME": "eu-west-1", "LANG": "C.UTF-8", "TZ_NAME": "UTC"}
    assert _create(f"lookalike-{unique}", Environment={"Variables": variables})["Environment"]["Variables"] == \
        variables


# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
def test_create_refuses_environment_variables_over_4_kb(sb, unique):
    """All variables together, keys and values as the JSON Lambda measures, may not pass 4 KB."""
    name = f"envsize-{unique}"
    variables = _variables_of_size(int(value("env_vars_total_kb") * 1024) + 1)
    code, status, message = _refusal(_create, name=name, Environment={"Variables": variables})
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message == ("Lambda was unable to configure your environment variables because the environment "
                       "variables you have provided exceeded the 4KB limit. String measured: "
                       + json.dumps(variables, separators=(",", ":")))
    assert not _exists(name)


# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
def test_keys_count_towards_the_4_kb(sb, unique):
    """Many short values with long keys pass the limit as surely as one long value does."""
    variables = {f"KEY_{index:03d}_{'K' * 40}": "v" for index in range(80)}
    assert sum(len(key) + len(text) for key, text in variables.items()) < 4096 < len(json.dumps(variables))
    code, status, _ = _refusal(_create, name=f"envkeys-{unique}", Environment={"Variables": variables})
    assert (code, status) == ("InvalidParameterValueException", 400)


# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
def test_environment_variables_of_exactly_4_kb_are_accepted(sb, unique):
    """4 KB itself is within the limit."""
    variables = _variables_of_size(4096)
    assert len(json.dumps(variables, separators=(",", ":")).encode()) == 4096
    config = _create(f"env4k-{unique}", Environment={"Variables": variables})
    assert config["Environment"]["Variables"] == variables


def _configuration(name: str) -> dict[str, Any]:
    """The parts of a function's configuration an update could change."""
    config = _client().get_function_configuration(FunctionName=name)
    return {key: config.get(key) for key in ("MemorySize", "Timeout", "Runtime", "Environment")}


# https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
@pytest.mark.parametrize("update", [
    {"MemorySize": 100},
    {"Timeout": 901, "MemorySize": 512},
    {"Runtime": "python2.8", "Timeout": 30},
    {"Environment": {"Variables": {"AWS_REGION": "eu-west-1", "STAGE": "prod"}}},
    {"Environment": {"Variables": _variables_of_size(4097)}, "MemorySize": 512},
])
def test_a_refused_update_leaves_the_configuration_as_it_was(sb, unique, update):
    """UpdateFunctionConfiguration applies all of a request or none of it."""
    name = f"keep-{unique}"
    deploy_function(name, HANDLER, memory=256, timeout=7, environment={"STAGE": "dev"})
    before = _configuration(name)
    code, status, _ = _refusal(_client().update_function_configuration, FunctionName=name, **update)
    assert status == 400 and code in {"ValidationException", "InvalidParameterValueException"}
    assert _configuration(name) == before


# https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
def test_an_update_to_the_ends_of_the_ranges_is_accepted(sb, unique):
    """UpdateFunctionConfiguration takes the same limits as CreateFunction, ends included."""
    name = f"upd-{unique}"
    deploy_function(name, HANDLER)
    _client().update_function_configuration(FunctionName=name, MemorySize=10240, Timeout=900,
                                            Environment={"Variables": _variables_of_size(4096)})
    assert _configuration(name)["MemorySize"] == 10240 and _configuration(name)["Timeout"] == 900


# https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_invoke_refuses_a_payload_that_is_not_json_and_runs_nothing(sb, unique, invocation_type):
    """A payload that is not JSON: 400 InvalidRequestContentException, and the handler never runs."""
    name = f"badjson-{unique}"
    deploy_function(name, COUNTER)
    code, status, message = _refusal(_client().invoke, FunctionName=name, Payload=b"{not json",
                                     InvocationType=invocation_type)
    assert (code, status) == ("InvalidRequestContentException", 400)
    assert message.startswith("Could not parse request body into json: ")
    assert invoke(name, {"ok": True}).payload == 1  # the first call the handler ever saw


# https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
@pytest.mark.parametrize("payload", [b"", b"null", b"3", b'"text"', b"[1, 2]", '{"name": "\u00e9"}'.encode()])
def test_invoke_accepts_any_json_value(sb, unique, payload):
    """Any JSON value is a valid event, and an empty payload is an empty event."""
    name = f"json-{unique}"
    deploy_function(name, HANDLER)
    response = _client().invoke(FunctionName=name, Payload=payload)
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == (json.loads(payload) if payload else {})
