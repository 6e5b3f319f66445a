"""Triggers aimed at an alias: permissions added on the alias, and weighted routing on every path, as on AWS.

https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html and
https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html (a permission added with an alias name as
Qualifier lets the service invoke the function through the alias ARN: SAM grants API Gateway that way)
https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html (a weighted alias splits the traffic
sent to it, whichever service sends it)
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter

import boto3
import pytest
import requests

from lambda_course.deploy import deploy_function
from localaws.runtime import alias_routing

SAM_HTTP = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: {name}
      Runtime: python3.12
      Handler: index.handler
      AutoPublishAlias: live
      InlineCode: |
        def handler(event, context):
            return {{"statusCode": 200, "body": "{says} " + context.function_version}}
      Events:
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
Outputs:
  Api: {{Value: !Ref ServerlessHttpApi}}
"""


@pytest.fixture
def seeded():
    """Routing choices drawn from a seeded generator, so that a split is the same on every run."""
    previous = alias_routing.use_random(random.Random(20261207))
    yield
    alias_routing.use_random(previous)


def test_an_http_api_on_a_sam_alias_is_allowed_by_the_alias_permission_and_splits_by_weight(sb, unique, seeded):
    from lambda_course.stacks import delete_stack, deploy_stack  # loads CloudFormation only for this test

    name, stack = f"alias-http-{unique}", f"alias-http-{unique}"
    out = deploy_stack(stack, SAM_HTTP.format(name=name, says="first"))
    policy = boto3.client("lambda").get_policy(FunctionName=name, Qualifier="live")["Policy"]
    assert f"function:{name}:live" in policy  # SAM granted API Gateway on the alias only
    url = sb.api_url(out["Api"]) + "/hello"
    answer = requests.get(url, timeout=30)
    assert (answer.status_code, answer.text) == (200, "first 1")

    deploy_function(name, "def handler(event, context):\n    return {'statusCode': 200, 'body': 'second ' + "
                          "context.function_version}\n")
    second = boto3.client("lambda").publish_version(FunctionName=name)["Version"]
    boto3.client("lambda").update_alias(FunctionName=name, Name="live",
                                        RoutingConfig={"AdditionalVersionWeights": {second: 0.5}})
    seen = Counter(requests.get(url, timeout=30).text for _ in range(40))
    assert set(seen) == {"first 1", f"second {second}"}
    assert 8 <= seen[f"second {second}"] <= 32
    delete_stack(stack)


def test_an_http_api_on_an_alias_without_the_grant_is_refused(sb, unique):
    from lambda_course.stacks import delete_stack, deploy_stack  # loads CloudFormation only for this test

    name, stack = f"alias-nogrant-{unique}", f"alias-nogrant-{unique}"
    out = deploy_stack(stack, SAM_HTTP.format(name=name, says="first"))
    lam = boto3.client("lambda")
    statement = lam.get_policy(FunctionName=name, Qualifier="live")["Policy"]
    sid = json.loads(statement)["Statement"][0]["Sid"]
    lam.remove_permission(FunctionName=name, Qualifier="live", StatementId=sid)
    answer = requests.get(sb.api_url(out["Api"]) + "/hello", timeout=30)
    assert answer.status_code == 500  # no grant on the alias (nor on the function): API Gateway cannot invoke
    lam.add_permission(FunctionName=name, Qualifier="live", StatementId=sid, Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")  # back, so that the stack deletes its permission
    delete_stack(stack)


VERSIONED = """import json
def handler(event, context):
    for record in event["Records"]:
        print("RAN " + json.dumps({"body": record["body"], "version": context.function_version}))
    return {}
"""


def _ran(name: str) -> list[dict]:
    logs = boto3.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="RAN")["events"]
    return [json.loads(e["message"].split("RAN ", 1)[1]) for e in events if "RAN " in e["message"]]


def test_an_sqs_mapping_on_a_weighted_alias_splits_its_batches(sb, unique, seeded):
    name = f"alias-sqs-{unique}"
    lam, sqs = boto3.client("lambda"), boto3.client("sqs")
    deploy_function(name, VERSIONED)
    lam.publish_version(FunctionName=name)
    deploy_function(name, VERSIONED + "# the second version\n")
    lam.publish_version(FunctionName=name)
    alias_arn = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                 RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})["AliasArn"]
    url = sqs.create_queue(QueueName=f"alias-sqs-{unique}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=alias_arn, BatchSize=1)
    for index in range(30):
        sqs.send_message(QueueUrl=url, MessageBody=str(index))
    deadline = time.monotonic() + 20
    while len(_ran(name)) < 30 and time.monotonic() < deadline:
        sb.wait_idle(5)
        time.sleep(0.2)
    versions = Counter(entry["version"] for entry in _ran(name))
    assert sum(versions.values()) == 30
    assert set(versions) == {"1", "2"} and 5 <= versions["2"] <= 25


S3_VERSIONED = """import json
def handler(event, context):
    for record in event["Records"]:
        print("RAN " + json.dumps({"body": record["s3"]["object"]["key"], "version": context.function_version,
                                   "invoked": context.invoked_function_arn}))
"""


def test_s3_notifications_to_a_weighted_alias_need_the_alias_grant_and_split(sb, unique, seeded):
    name, bucket = f"alias-s3-{unique}", f"alias-s3-{unique}"
    lam, s3 = boto3.client("lambda"), boto3.client("s3")
    deploy_function(name, S3_VERSIONED)
    lam.publish_version(FunctionName=name)
    deploy_function(name, S3_VERSIONED + "# the second version\n")
    lam.publish_version(FunctionName=name)
    alias_arn = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                 RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})["AliasArn"]
    lam.add_permission(FunctionName=name, Qualifier="live", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": alias_arn, "Events": ["s3:ObjectCreated:*"]}]})
    for index in range(30):
        s3.put_object(Bucket=bucket, Key=f"k{index}", Body=b"x")
    deadline = time.monotonic() + 20
    while len(_ran(name)) < 30 and time.monotonic() < deadline:
        sb.wait_idle(5)
        time.sleep(0.2)
    ran = _ran(name)
    versions = Counter(entry["version"] for entry in ran)
    assert sum(versions.values()) == 30
    assert set(versions) == {"1", "2"} and 5 <= versions["2"] <= 25
    assert {entry["invoked"] for entry in ran} == {alias_arn}
