"""Enforcement fails closed: a role session's request the sandbox cannot evaluate is denied, never allowed."""

from __future__ import annotations

import json
import logging

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws.iam import authorize

ACCOUNT = "123456789012"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def role_sqs(sb, unique):
    """An SQS client signed by a session of a role that may do anything."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName=f"closed-{unique}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=f"closed-{unique}", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    credentials = boto3.client("sts").assume_role(RoleArn=arn, RoleSessionName="app")["Credentials"]
    return boto3.client("sqs", aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def test_an_allowed_role_session_is_let_through(role_sqs):
    assert role_sqs.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_request_whose_parameters_cannot_be_read_is_denied(role_sqs, monkeypatch, caplog):
    def unreadable(response, operation):
        raise NotImplementedError("Unsupported protocol [cbor] for service sqs")

    monkeypatch.setattr(authorize, "parameters", unreadable)
    with caplog.at_level(logging.ERROR, logger=authorize.__name__), pytest.raises(ClientError) as raised:
        role_sqs.list_queues()
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert "the sandbox could not evaluate it" in error["Message"]
    assert "NotImplementedError: Unsupported protocol [cbor]" in error["Message"]
    assert any("denying it" in record.getMessage() for record in caplog.records)


def test_an_error_inside_the_evaluator_is_a_denial_too(role_sqs, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("Statement")

    monkeypatch.setattr(authorize, "decide", broken)
    with pytest.raises(ClientError, match="could not evaluate") as raised:
        role_sqs.list_queues()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_simulator_never_answers_named_actions_with_nothing(sb, monkeypatch):
    from localaws.iam import simulation

    monkeypatch.setattr(simulation, "parameters", lambda response, operation: {})
    with pytest.raises(ClientError, match="actionNames"):
        boto3.client("iam").simulate_custom_policy(PolicyInputList=[json.dumps(ALLOW_ALL)],
                                                   ActionNames=["s3:GetObject"])
