"""Weighted aliases: an alias's RoutingConfig splits its invocations between two versions, as Lambda does.

https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html (the split by weight, the version
that ran in X-Amz-Executed-Version and in the log's START line, the versions' requirements)
https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html (one version key [0-9]+, a weight
from 0.0 to 1.0)
https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html and API_UpdateAlias.html (the errors)
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (ExecutedVersion)
"""

from __future__ import annotations

import base64
import json
import random
import re
import uuid
from collections import Counter

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_course.deploy import deploy_function
from localaws.facts import value
from localaws.runtime import alias_routing

SOURCE = """import os

def handler(event, context):
    return {"version": context.function_version, "env": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "invoked": context.invoked_function_arn}
"""
NOT_LATEST = "$LATEST is not supported for an alias pointing to more than 1 version"


@pytest.fixture(scope="module")
def fn(sb):
    """A function with two published versions."""
    name = f"weighted-{uuid.uuid4().hex[:8]}"
    client = boto3.client("lambda")
    deploy_function(name, SOURCE)
    first = client.publish_version(FunctionName=name)["Version"]
    deploy_function(name, SOURCE + "# the second version\n")
    second = client.publish_version(FunctionName=name)["Version"]
    assert first != second
    return {"name": name, "v1": first, "v2": second}


@pytest.fixture
def seeded():
    """Routing choices drawn from a seeded generator, so that a split is the same on every run."""
    previous = alias_routing.use_random(random.Random(20261207))
    yield
    alias_routing.use_random(previous)


def _alias(fn: dict, name: str, weight: float | None) -> str:
    """Create the alias `name` on version 1, sending `weight` of its invocations to version 2."""
    routing = {"RoutingConfig": {"AdditionalVersionWeights": {fn["v2"]: weight}}} if weight is not None else {}
    boto3.client("lambda").create_alias(FunctionName=fn["name"], Name=name, FunctionVersion=fn["v1"], **routing)
    return name


def _invoke(fn: dict, qualifier: str) -> tuple[str, dict, str]:
    """Invoke one qualifier: the ExecutedVersion header, what the handler saw, and the log's START line."""
    answer = boto3.client("lambda").invoke(FunctionName=fn["name"], Qualifier=qualifier, LogType="Tail")
    log = base64.b64decode(answer["LogResult"]).decode()
    start = next(line for line in log.splitlines() if line.startswith("START RequestId: "))
    return answer["ExecutedVersion"], json.loads(answer["Payload"].read()), start


def test_invocations_split_between_the_versions_by_weight(fn, seeded):
    alias = _alias(fn, "canary", 0.3)
    executed = Counter()
    for _ in range(1000):
        version, seen, start = _invoke(fn, alias)
        assert seen["version"] == seen["env"] == version
        assert re.fullmatch(rf"START RequestId: [0-9a-f-]{{36}} Version: {version}", start)
        executed[version] += 1
    assert set(executed) == {fn["v1"], fn["v2"]}
    assert abs(executed[fn["v2"]] - 300) <= 60, executed  # four standard deviations of a 1,000-draw binomial


def test_the_invoked_arn_keeps_the_alias_while_the_version_changes(fn, seeded):
    alias = _alias(fn, "arn-kept", 0.5)
    seen = [_invoke(fn, alias)[1] for _ in range(20)]
    assert {handler["version"] for handler in seen} == {fn["v1"], fn["v2"]}
    assert {handler["invoked"] for handler in seen} == {
        f"arn:aws:lambda:us-east-1:123456789012:function:{fn['name']}:{alias}"}


@pytest.mark.parametrize("weight, runs", [(0.0, "v1"), (1.0, "v2")])
def test_the_bounds_of_the_weight_send_everything_to_one_version(fn, weight, runs):
    alias = _alias(fn, f"all-{runs}", weight)
    for _ in range(10):
        version, seen, start = _invoke(fn, alias)
        assert version == seen["version"] == fn[runs]
        assert start.endswith(f" Version: {fn[runs]}")


def test_an_alias_without_routing_and_a_version_qualifier_run_their_own_version(fn):
    alias = _alias(fn, "plain", None)
    assert {_invoke(fn, alias)[0] for _ in range(5)} == {fn["v1"]}
    version, seen, start = _invoke(fn, fn["v2"])
    assert version == seen["version"] == fn["v2"] and start.endswith(f" Version: {fn['v2']}")
    assert seen["invoked"].endswith(f":{fn['name']}:{fn['v2']}")


def test_update_alias_can_add_and_clear_the_routing(fn):
    client = boto3.client("lambda")
    alias = _alias(fn, "shifting", None)
    updated = client.update_alias(FunctionName=fn["name"], Name=alias,
                                  RoutingConfig={"AdditionalVersionWeights": {fn["v2"]: 1.0}})
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {fn["v2"]: 1.0}}
    assert client.get_alias(FunctionName=fn["name"], Name=alias)["RoutingConfig"] == updated["RoutingConfig"]
    assert _invoke(fn, alias)[0] == fn["v2"]
    client.update_alias(FunctionName=fn["name"], Name=alias, RoutingConfig={"AdditionalVersionWeights": {}})
    assert {_invoke(fn, alias)[0] for _ in range(5)} == {fn["v1"]}


def _refused(call, **kwargs) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def _weight_message(version: str, weight: float) -> str:
    return (f"1 validation error detected: Value '{{{version}={weight}}}' at 'routingConfig.additionalVersionWeights' "
            "failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or "
            "equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")


def test_create_alias_refuses_what_lambda_refuses(fn):
    client = boto3.client("lambda")

    def create(name: str, weights: dict, primary: str | None = None) -> tuple[str, int, str]:
        return _refused(client.create_alias, FunctionName=fn["name"], Name=name,
                        FunctionVersion=primary or fn["v1"], RoutingConfig={"AdditionalVersionWeights": weights})

    v1, v2 = fn["v1"], fn["v2"]
    assert create("heavy", {v2: 1.5}) == ("ValidationException", 400, _weight_message(v2, 1.5))
    too_many = value("alias_versions_max")  # one more additional version than an alias may have
    extra = {str(100 + i): 0.1 for i in range(too_many)}
    assert create("many", extra) == ("InvalidParameterValueException", 400,
                                     f"Number of items in AdditionalVersionWeights cannot be greater than "
                                     f"{too_many - 1}")
    assert create("twice", {v1: 0.1}) == ("InvalidParameterValueException", 400, f"Invalid function version {v1}. "
                                          f"Function version {v1} is already included in routing configuration.")
    assert create("latest", {v2: 0.1}, "$LATEST") == ("InvalidParameterValueException", 400, NOT_LATEST)
    code, status, message = create("named", {"$LATEST": 0.1})
    assert (code, status) == ("ValidationException", 400)
    assert "Map keys must satisfy constraint" in message and "regular expression pattern: [0-9]+" in message
    assert create("missing", {"99": 0.1}) == ("ResourceNotFoundException", 404, "Function not found: "
                                               f"arn:aws:lambda:us-east-1:123456789012:function:{fn['name']}:99")
    for refused in ("heavy", "many", "twice", "latest", "named", "missing"):  # nothing was stored
        assert _refused(client.get_alias, FunctionName=fn["name"], Name=refused)[0] == "ResourceNotFoundException"


def test_update_alias_checks_the_alias_as_it_would_become(fn):
    client = boto3.client("lambda")
    alias = _alias(fn, "guarded", 0.2)

    def update(**kwargs) -> tuple[str, int, str]:
        return _refused(client.update_alias, FunctionName=fn["name"], Name=alias, **kwargs)

    v2 = fn["v2"]
    assert update(FunctionVersion=v2) == ("InvalidParameterValueException", 400, f"Invalid function version {v2}. "
                                          f"Function version {v2} is already included in routing configuration.")
    assert update(FunctionVersion="$LATEST") == ("InvalidParameterValueException", 400, NOT_LATEST)
    assert update(RoutingConfig={"AdditionalVersionWeights": {v2: 2.0}}) == \
        ("ValidationException", 400, _weight_message(v2, 2.0))
    kept = client.get_alias(FunctionName=fn["name"], Name=alias)
    assert (kept["FunctionVersion"], kept["RoutingConfig"]) == (fn["v1"], {"AdditionalVersionWeights": {v2: 0.2}})


def test_the_routing_checks_read_their_bounds_from_the_api_model():
    assert alias_routing.routing_refusal("1", {"AdditionalVersionWeights": {"2": 0.0}}) is None
    assert alias_routing.routing_refusal("1", {"AdditionalVersionWeights": {"2": 1.0}}) is None
    assert alias_routing.routing_refusal("1", {"AdditionalVersionWeights": {"2": -0.01}}).code == "ValidationException"
    assert alias_routing.routing_refusal("1", {"AdditionalVersionWeights": {"2": True}}).code == "ValidationException"
    assert alias_routing.routing_refusal("$LATEST", None) is None  # no routing: any version will do
