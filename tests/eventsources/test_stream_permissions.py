"""CreateEventSourceMapping refuses a stream the function's execution role cannot read, as Lambda does.

https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html and
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html ("Execution role permissions": kinesis:GetRecords,
GetShardIterator, DescribeStream, ListShards; dynamodb:GetRecords, GetShardIterator, DescribeStream,
ListStreams). Lambda answers InvalidParameterValueException "Cannot access stream ...".
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from stream_support import (
    OK,
    delete_mappings_afterwards,  # noqa: F401 - fixture
    deploy,
    make_stream,
    make_table,
    map_stream,
)

from lambda_course.deploy import ensure_role
from localaws.eventsources.streams.permissions import refusal

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}


def _role(unique: str, actions: list[str], resource: str = "*") -> str:
    """A role whose one inline policy allows `actions` on `resource` (none at all for an empty list)."""
    iam = boto3.client("iam")
    name = f"reader-{unique}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    if actions:
        statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(document))
    return arn


def _refused(arn: str, function_name: str) -> ClientError:
    with pytest.raises(ClientError) as raised:
        map_stream(arn, function_name)
    return raised.value


def _mappings(function_name: str) -> list:
    return boto3.client("lambda").list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"]


def test_a_role_that_cannot_read_the_kinesis_stream_is_refused(sb, unique):
    source = make_stream(unique)
    name = deploy(unique, OK, role=_role(unique, ["kinesis:GetRecords", "kinesis:GetShardIterator"]))
    error = _refused(source.arn, name).response
    assert error["Error"]["Code"] == "InvalidParameterValueException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        f"Cannot access stream {source.arn}. Please ensure the role can perform the GetRecords, GetShardIterator, "
        "DescribeStream, and ListShards Actions on your stream in IAM.")
    assert _mappings(name) == []  # nothing was created


def test_a_role_with_the_four_kinesis_actions_on_the_stream_may_map_it(sb, unique):
    source = make_stream(unique)
    actions = ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"]
    name = deploy(unique, OK, role=_role(unique, actions, source.arn))
    uuid = map_stream(source.arn, name)
    assert [mapping["UUID"] for mapping in _mappings(name)] == [uuid]


def test_a_dynamodb_stream_needs_list_streams_rather_than_list_shards(sb, unique):
    arn = make_table(f"items-{unique}", "KEYS_ONLY")
    kinesis_like = [f"dynamodb:{a}" for a in ("GetRecords", "GetShardIterator", "DescribeStream", "ListShards")]
    refused = deploy(unique, OK, name="refused", role=_role(unique, kinesis_like))
    error = _refused(arn, refused).response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (f"Cannot access stream {arn}. Please ensure the role can perform the GetRecords, "
                                "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")
    allowed = deploy(unique, OK, name="allowed", role=ensure_role())
    assert map_stream(arn, allowed)


def test_without_iam_enforcement_any_role_may_map_a_stream(sb, unique):
    source = make_stream(unique)
    name = deploy(unique, OK, role=_role(unique, []))
    sb.enforce_iam = False
    try:
        assert map_stream(source.arn, name)
    finally:
        sb.enforce_iam = True


def test_an_sqs_mapping_is_left_to_the_sqs_checks(sb, unique):
    spec = {"EventSourceArn": f"arn:aws:sqs:{sb.region}:123456789012:jobs", "FunctionName": "x",
            "AccountId": "123456789012", "RegionName": sb.region}
    assert refusal(spec) is None
