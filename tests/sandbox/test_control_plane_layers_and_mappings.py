"""PublishLayerVersion, SQS event source mappings and deprecated runtimes, refused as Lambda's API refuses them.

The clients here skip botocore's own parameter checks (`parameter_validation=False`), so that every refusal
shown comes from the sandbox and not from the SDK. Each refused request is shown to change nothing.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_course.deploy import deploy_function, ensure_role, zip_source
from localaws.credentials import service_model
from localaws.facts import deprecations
from localaws.runtime import validation

HANDLER = "def handler(event, context):\n    return event\n"
SQS_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]


def _client() -> Any:
    """A Lambda client that sends what it is given, so that only the sandbox can refuse it."""
    return boto3.client("lambda", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))


def _refusal(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    """The error code, HTTP status and message of a request the sandbox must refuse."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def _runtimes() -> list[str]:
    """The Runtime values of Lambda's API model, in the model's order."""
    return list(service_model("lambda").shape_for("Runtime").enum)


# -- PublishLayerVersion: https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html -------------

def _publish(name: str, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"Content": {"ZipFile": zip_source({"python/lib.py": "X = 1\n"})}}
    return _client().publish_layer_version(LayerName=name, **{**spec, **extra})


def _versions(name: str) -> list[dict[str, Any]]:
    return _client().list_layer_versions(LayerName=name)["LayerVersions"]


def test_publish_takes_fifteen_runtimes_and_both_architectures(sb, unique):
    name = f"layer-ok-{unique}"
    runtimes = [r for r in _runtimes() if r.startswith("python3")][:15]
    published = _publish(name, CompatibleRuntimes=runtimes, CompatibleArchitectures=["x86_64", "arm64"],
                         Description="d" * 256)
    assert published["CompatibleRuntimes"] == runtimes and published["CompatibleArchitectures"] == ["x86_64", "arm64"]
    assert [v["Version"] for v in _versions(name)] == [published["Version"]]


def test_publish_refuses_sixteen_runtimes_and_three_architectures_in_one_validation_error(sb, unique):
    name = f"layer-many-{unique}"
    runtimes = _runtimes()[:16]
    code, status, message = _refusal(_publish, name=name, CompatibleRuntimes=runtimes,
                                     CompatibleArchitectures=["x86_64", "arm64", "x86_64"])
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        f"2 validation errors detected: Value '[{', '.join(runtimes)}]' at 'compatibleRuntimes' failed to satisfy "
        "constraint: Member must have length less than or equal to 15; Value '[x86_64, arm64, x86_64]' at "
        "'compatibleArchitectures' failed to satisfy constraint: Member must have length less than or equal to 2")
    assert _versions(name) == []


@pytest.mark.parametrize(("member", "found", "allowed"), [
    ("CompatibleRuntimes", ["python3.12", "python9.9"], None),
    ("CompatibleArchitectures", ["sparc"], ["x86_64", "arm64"]),
])
def test_publish_refuses_values_outside_the_apis_enums(sb, unique, member, found, allowed):
    name = f"layer-enum-{unique}"
    allowed = allowed or _runtimes()
    code, status, message = _refusal(_publish, name=name, **{member: found})
    assert (code, status) == ("ValidationException", 400)
    field = member[0].lower() + member[1:]
    assert message == (f"1 validation error detected: Value '[{', '.join(found)}]' at '{field}' failed to satisfy "
                       f"constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
                       f"[{', '.join(allowed)}]]")
    assert _versions(name) == []


def test_publish_refuses_a_bad_layer_name_and_a_long_description(sb, unique):
    pattern = service_model("lambda").operation_model("PublishLayerVersion").input_shape.members[
        "LayerName"].metadata["pattern"]
    bad = f"bad.name-{unique}"  # a dot is outside [a-zA-Z0-9-_]
    code, status, message = _refusal(_publish, name=bad, Description="d" * 257)
    assert (code, status) == ("ValidationException", 400)
    assert message == (f"2 validation errors detected: Value '{bad}' at 'layerName' failed to satisfy constraint: "
                       f"Member must satisfy regular expression pattern: {pattern}; Value '{'d' * 257}' at "
                       "'description' failed to satisfy constraint: Member must have length less than or equal "
                       "to 256")
    assert [layer for layer in _client().list_layers()["Layers"] if layer["LayerName"] == bad] == []


@pytest.mark.parametrize(("content", "expected"), [
    ({"ZipFile": b""}, "Uploaded file must be a non-empty zip"),
    ({"ZipFile": b"plain text, not a zip"},
     "Could not unzip uploaded file. Please check your file, then try to upload again."),
    ({}, "Uploaded file must be a non-empty zip"),
])
def test_publish_refuses_content_without_a_zip(sb, unique, content, expected):
    name = f"layer-content-{unique}"
    code, status, message = _refusal(_client().publish_layer_version, LayerName=name, Content=content)
    assert (code, status, message) == ("InvalidParameterValueException", 400, expected)
    assert _versions(name) == []


# -- SQS event source mappings: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html --
# and https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (execution role permissions, visibility timeout)

def _queue(name: str, visibility: int = 30, fifo: bool = False) -> str:
    """A queue's ARN, created with this visibility timeout."""
    sqs = boto3.client("sqs")
    attributes = {"VisibilityTimeout": str(visibility)}
    if fifo:
        attributes["FifoQueue"] = "true"
    url = sqs.create_queue(QueueName=name + (".fifo" if fifo else ""), Attributes=attributes)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _role(name: str, actions: list[str], resource: str = "*") -> str:
    """An execution role allowed exactly `actions` on `resource`."""
    return ensure_role(name, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": resource}]} if actions else
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})


def _mappings(name: str) -> list[dict[str, Any]]:
    return _client().list_event_source_mappings(FunctionName=name)["EventSourceMappings"]


def _map(name: str, queue_arn: str, **extra: Any) -> dict[str, Any]:
    return _client().create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn, **extra)


@pytest.fixture
def mapped(sb, unique):
    """A function on the demo role (allowed everything) and a standard queue whose timeout fits it."""
    name = f"esm-{unique}"
    deploy_function(name, HANDLER, timeout=10)
    created: list[str] = []
    yield name, _queue(name), created
    for uuid in created:
        _client().delete_event_source_mapping(UUID=uuid)


def test_a_mapping_the_role_and_queue_allow_is_created(mapped):
    name, queue_arn, created = mapped
    mapping = _map(name, queue_arn, BatchSize=100, MaximumBatchingWindowInSeconds=5)
    created.append(mapping["UUID"])
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (100, 5)
    assert [m["UUID"] for m in _mappings(name)] == [mapping["UUID"]]


@pytest.mark.parametrize(("extra", "expected"), [
    ({"BatchSize": 10001, "MaximumBatchingWindowInSeconds": 1},
     "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have "
     "value less than or equal to 10000"),
    ({"BatchSize": 0, "MaximumBatchingWindowInSeconds": 301},
     "2 validation errors detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value "
     "greater than or equal to 1; Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: "
     "Member must have value less than or equal to 300"),
])
def test_mapping_ranges_come_from_the_api_model(mapped, extra, expected):
    name, queue_arn, _created = mapped
    assert _refusal(_map, name=name, queue_arn=queue_arn, **extra) == ("ValidationException", 400, expected)
    assert _mappings(name) == []


def test_more_than_ten_messages_need_a_batching_window(mapped):
    name, queue_arn, created = mapped
    assert _refusal(_map, name=name, queue_arn=queue_arn, BatchSize=11) == (
        "InvalidParameterValueException", 400,
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
    assert _mappings(name) == []
    created.append(_map(name, queue_arn, BatchSize=11, MaximumBatchingWindowInSeconds=1)["UUID"])


def test_an_update_that_drops_the_window_of_a_large_batch_is_refused(mapped):
    name, queue_arn, created = mapped
    uuid = _map(name, queue_arn, BatchSize=50, MaximumBatchingWindowInSeconds=2)["UUID"]
    created.append(uuid)
    code, status, _message = _refusal(_client().update_event_source_mapping, UUID=uuid,
                                      MaximumBatchingWindowInSeconds=0)
    assert (code, status) == ("InvalidParameterValueException", 400)
    kept = _client().get_event_source_mapping(UUID=uuid)
    assert (kept["BatchSize"], kept["MaximumBatchingWindowInSeconds"]) == (50, 2)


def test_fifo_queues_take_ten_messages_and_no_window(sb, unique):
    name = f"esm-fifo-{unique}"
    deploy_function(name, HANDLER, timeout=10)
    queue_arn = _queue(name, fifo=True)
    assert _refusal(_map, name=name, queue_arn=queue_arn, BatchSize=11, MaximumBatchingWindowInSeconds=0) == (
        "InvalidParameterValueException", 400, "Maximum batch size must be between 1 and 10 inclusive")
    assert _refusal(_map, name=name, queue_arn=queue_arn, BatchSize=5, MaximumBatchingWindowInSeconds=3) == (
        "InvalidParameterValueException", 400, "Batching window is not supported for FIFO queues")
    assert _mappings(name) == []
    _client().delete_event_source_mapping(UUID=_map(name, queue_arn, BatchSize=10)["UUID"])


def test_a_queue_whose_visibility_timeout_is_shorter_than_the_function_timeout_is_refused(sb, unique):
    name = f"esm-vis-{unique}"
    deploy_function(name, HANDLER, timeout=60)
    assert _refusal(_map, name=name, queue_arn=_queue(name, visibility=30)) == (
        "InvalidParameterValueException", 400,
        "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds")
    assert _mappings(name) == []
    _client().delete_event_source_mapping(UUID=_map(name, _queue(f"{name}-long", visibility=60))["UUID"])


def test_a_mapping_needs_an_existing_function_and_queue(sb, unique):
    queue_arn = _queue(f"esm-nofn-{unique}")
    code, status, _message = _refusal(_map, name=f"missing-{unique}", queue_arn=queue_arn)
    assert (code, status) == ("ResourceNotFoundException", 404)
    name = f"esm-noq-{unique}"
    deploy_function(name, HANDLER, timeout=10)
    code, _status, _message = _refusal(_map, name=name, queue_arn=queue_arn.replace("esm-nofn", "esm-none"))
    assert code == "ResourceNotFoundException"
    assert _mappings(name) == []


@pytest.mark.parametrize(("allowed", "missing"), [
    ([], "ReceiveMessage"),
    (["sqs:ReceiveMessage"], "DeleteMessage"),
    (["sqs:ReceiveMessage", "sqs:DeleteMessage"], "GetQueueAttributes"),
])
def test_the_execution_role_must_be_allowed_to_read_the_queue(sb, unique, allowed, missing):
    name = f"esm-role-{unique}"
    queue_arn = _queue(name)
    deploy_function(name, HANDLER, timeout=10, role=_role(f"role-{name}", allowed, queue_arn))
    assert _refusal(_map, name=name, queue_arn=queue_arn) == (
        "InvalidParameterValueException", 400,
        f"The function execution role does not have permissions to call {missing} on SQS")
    assert _mappings(name) == []


def test_a_role_allowed_on_another_queue_only_is_refused_and_the_right_queue_works(sb, unique):
    name = f"esm-scope-{unique}"
    queue_arn, other = _queue(name), _queue(f"{name}-other")
    deploy_function(name, HANDLER, timeout=10, role=_role(f"role-{name}", SQS_ACTIONS, other))
    code, _status, message = _refusal(_map, name=name, queue_arn=queue_arn)
    assert (code, message) == ("InvalidParameterValueException",
                               "The function execution role does not have permissions to call ReceiveMessage on SQS")
    _client().delete_event_source_mapping(UUID=_map(name, other)["UUID"])


def test_a_queue_policy_can_grant_the_role_what_it_needs(sb, unique):
    """Within one account a resource-based policy alone can allow the role (IAM policy evaluation logic)."""
    name = f"esm-qpol-{unique}"
    queue_arn = _queue(name)
    role = _role(f"role-{name}", [])
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": SQS_ACTIONS, "Resource": queue_arn}]})})
    deploy_function(name, HANDLER, timeout=10, role=role)
    _client().delete_event_source_mapping(UUID=_map(name, queue_arn)["UUID"])


def test_with_iam_enforcement_off_the_role_is_not_checked(sb, unique):
    name = f"esm-noiam-{unique}"
    queue_arn = _queue(name)
    deploy_function(name, HANDLER, timeout=10, role=_role(f"role-{name}", []))
    sb.enforce_iam = False
    try:
        uuid = _map(name, queue_arn)["UUID"]
    finally:
        sb.enforce_iam = True
    _client().delete_event_source_mapping(UUID=uuid)
    assert _refusal(_map, name=name, queue_arn=queue_arn)[0] == "InvalidParameterValueException"


def test_changing_a_mappings_function_checks_the_new_functions_role(mapped, unique):
    name, queue_arn, created = mapped
    uuid = _map(name, queue_arn)["UUID"]
    created.append(uuid)
    other = f"esm-other-{unique}"
    deploy_function(other, HANDLER, timeout=10, role=_role(f"role-{other}", []))
    code, _status, _message = _refusal(_client().update_event_source_mapping, UUID=uuid, FunctionName=other)
    assert code == "InvalidParameterValueException"
    assert _client().get_event_source_mapping(UUID=uuid)["FunctionArn"].endswith(f":function:{name}")


# -- Deprecated runtimes: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html -----------------------

def _deprecated_message(runtime: str) -> str:
    recommended = deprecations()[runtime].recommended
    return (f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use the new runtime ({recommended}) while creating or updating functions.")


def _create(name: str, runtime: str) -> dict[str, Any]:
    return _client().create_function(FunctionName=name, Runtime=runtime, Handler="app.handler", Role=ensure_role(),
                                     Code={"ZipFile": zip_source(HANDLER)})


def test_the_deprecation_table_names_runtimes_of_the_api_and_recommends_supported_ones():
    known = set(validation.runtimes())
    for runtime, entry in deprecations().items():
        assert runtime in known and entry.recommended in known, runtime
        assert entry.recommended not in deprecations(), runtime
        assert entry.deprecated <= entry.block_create <= entry.block_update, runtime


@pytest.mark.parametrize("runtime", ["python2.7", "python3.6", "python3.7", "python3.8", "nodejs8.10"])
def test_create_refuses_a_runtime_past_its_block_create_date(sb, unique, runtime):
    name = f"old-{runtime.replace('.', '-')}-{unique}"
    assert _refusal(_create, name=name, runtime=runtime) == (
        "InvalidParameterValueException", 400, _deprecated_message(runtime))
    code, _status, _message = _refusal(_client().get_function, FunctionName=name)
    assert code == "ResourceNotFoundException"


def test_a_deprecated_runtime_before_its_block_dates_still_creates_and_updates(sb, unique):
    entry = deprecations()["python3.9"]
    assert entry.deprecated <= entry.as_of < entry.block_create  # deprecated, not yet blocked
    name = f"py39-{unique}"
    assert _create(name, "python3.9")["Runtime"] == "python3.9"
    assert _client().update_function_configuration(FunctionName=name, Timeout=5)["Timeout"] == 5


def test_update_refuses_moving_to_a_runtime_past_its_block_update_date(sb, unique):
    name = f"to-old-{unique}"
    _create(name, "python3.12")
    assert _refusal(_client().update_function_configuration, FunctionName=name, Runtime="python3.8") == (
        "InvalidParameterValueException", 400, _deprecated_message("python3.8"))
    assert _client().get_function_configuration(FunctionName=name)["Runtime"] == "python3.12"
