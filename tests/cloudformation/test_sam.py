"""SAM templates expanded by AWS's translator, deployed, and run: events, policy templates, aliases, deployments.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
(Events of type SQS, HttpApi and Schedule; Policies with policy templates; AutoPublishAlias publishes a version
and points an alias named by it at that version; DeploymentPreference)
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-httpapi.html
(an HttpApi event without ApiId makes the implicit ServerlessHttpApi, with a $default stage)
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-api.html
(an Api event without RestApiId makes the implicit ServerlessRestApi, served at its Prod stage)
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
(DeploymentPreference creates a CodeDeploy application, a deployment group with the chosen deployment
configuration, and a service role)
"""

from __future__ import annotations

import gc
import json

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from lambda_course.stacks import StackFailed, delete_stack, deploy_stack, lint_template
from localaws import cloudformation
from localaws.cloudformation import sam


def sam_template(says: str, extra: str = "") -> str:
    """A queue, a table, and a function that stores each message in the table and answers HTTP with `says`."""
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Table:
    Type: AWS::Serverless::SimpleTable
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 10{extra}
      Environment:
        Variables:
          TABLE: !Ref Table
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Table
      InlineCode: |
        import os
        import boto3
        def handler(event, context):
            if event.get("source") == "aws.events":
                boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item={{"id": "tick", "by": "{says}"}})
                return {{}}
            if "Records" in event:
                table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
                for record in event["Records"]:
                    table.put_item(Item={{"id": record["body"], "by": "{says}"}})
                return {{}}
            return {{"statusCode": 200, "body": "{says} " + event["rawPath"]}}
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 5
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
Outputs:
  Api: {{Value: !Ref ServerlessHttpApi}}
  Queue: {{Value: !Ref Queue}}
  Table: {{Value: !Ref Table}}
  Function: {{Value: !Ref Fn}}
  Role: {{Value: !Ref FnRole}}
"""


def stored(table: str, key: str) -> dict | None:
    return boto3.resource("dynamodb").Table(table).get_item(Key={"id": key}).get("Item")


def send(sb, queue_url: str, body: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)
    assert sb.wait_idle(30)


def test_the_template_passes_cfn_lint():
    assert [f for f in cloudformation.lint(sam_template("x")) if f.level == "error"] == []
    assert lint_template(sam_template("x")) == [str(f"{f.level}: {f}") for f in cloudformation.lint(sam_template("x"))]


def test_a_sam_function_runs_on_a_message_and_on_a_request_and_updates_and_rolls_back(sb, unique):
    stack = f"sam-{unique}"
    out = deploy_stack(stack, sam_template("v1"))
    resources = boto3.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    types = {r["LogicalResourceId"]: r["ResourceType"] for r in resources}
    assert types["Fn"] == "AWS::Lambda::Function" and types["FnRole"] == "AWS::IAM::Role"
    assert types["FnOrders"] == "AWS::Lambda::EventSourceMapping"
    assert types["ServerlessHttpApi"] == "AWS::ApiGatewayV2::Api" and types["FnHourly"] == "AWS::Events::Rule"
    attached = boto3.client("iam").list_attached_role_policies(RoleName=out["Role"])["AttachedPolicies"]
    assert {p["PolicyName"] for p in attached} == {"AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole"}
    rule = boto3.client("events").describe_rule(Name=boto3.client("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="FnHourly")["StackResourceDetail"]["PhysicalResourceId"])
    assert rule["ScheduleExpression"] == "rate(1 hour)"
    sb.clock.advance(3600)  # the schedule's first run, an hour on
    assert sb.wait_idle(30)
    assert stored(out["Table"], "tick") == {"id": "tick", "by": "v1"}

    send(sb, out["Queue"], "order-1")
    assert stored(out["Table"], "order-1") == {"id": "order-1", "by": "v1"}
    answer = requests.get(sb.api_url(out["Api"]) + "/hello", timeout=30)
    assert (answer.status_code, answer.text) == (200, "v1 /hello")

    deploy_stack(stack, sam_template("v2"))
    send(sb, out["Queue"], "order-2")
    assert stored(out["Table"], "order-2") == {"id": "order-2", "by": "v2"}
    assert requests.get(sb.api_url(out["Api"]) + "/hello", timeout=30).text == "v2 /hello"

    # A bad update (a layer that does not exist) fails at the function and rolls back; v2 still answers.
    with pytest.raises(StackFailed, match="rolled back"):
        deploy_stack(stack, sam_template("v3", "\n      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:nope:1]"))
    assert boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == \
        "UPDATE_ROLLBACK_COMPLETE"
    assert requests.get(sb.api_url(out["Api"]) + "/hello", timeout=30).text == "v2 /hello"
    send(sb, out["Queue"], "order-3")
    assert stored(out["Table"], "order-3") == {"id": "order-3", "by": "v2"}

    delete_stack(stack)
    assert out["Function"] not in {f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]}
    assert out["Api"] not in {a["ApiId"] for a in boto3.client("apigatewayv2").get_apis()["Items"]}
    assert boto3.client("lambda").list_event_source_mappings(FunctionName=out["Function"])[
        "EventSourceMappings"] == []
    for gone in (lambda: boto3.client("sqs").get_queue_attributes(QueueUrl=out["Queue"]),
                 lambda: boto3.client("dynamodb").describe_table(TableName=out["Table"]),
                 lambda: boto3.client("iam").get_role(RoleName=out["Role"])):
        with pytest.raises(ClientError):
            gone()


ALIASED = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
      InlineCode: |
        def handler(event, context):
            return "{says}"
Outputs:
  Function: {{Value: !Ref Fn}}
  Application: {{Value: !Ref ServerlessDeploymentApplication}}
  Group: {{Value: !Ref FnDeploymentGroup}}
"""


def test_auto_publish_alias_and_deployment_preference(sb, unique):
    stack = f"canary-{unique}"
    out = deploy_stack(stack, ALIASED.format(says="first"))
    lam = boto3.client("lambda")
    alias = lam.get_alias(FunctionName=out["Function"], Name="live")
    assert alias["FunctionVersion"] == "1"
    assert json.load(lam.invoke(FunctionName=out["Function"], Qualifier="live")["Payload"]) == "first"
    group = boto3.client("codedeploy").get_deployment_group(
        applicationName=out["Application"], deploymentGroupName=out["Group"])["deploymentGroupInfo"]
    assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert group["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}

    deploy_stack(stack, ALIASED.format(says="second"))  # new code: a new version, and the canary moves the alias
    sb.clock.advance(300)  # Canary10Percent5Minutes: all the traffic on the new version five minutes later
    assert lam.get_alias(FunctionName=out["Function"], Name="live")["FunctionVersion"] == "2"
    assert json.load(lam.invoke(FunctionName=out["Function"], Qualifier="live")["Payload"]) == "second"
    assert json.load(lam.invoke(FunctionName=out["Function"], Qualifier="1")["Payload"]) == "first"
    delete_stack(stack)
    assert boto3.client("codedeploy").list_applications()["applications"].count(out["Application"]) == 0


def test_a_template_the_translator_rejects_is_refused(sb, unique):
    broken = ALIASED.format(says="x").replace("Runtime: python3.12", "Runtime: python3.12\n      Events: 7")
    with pytest.raises(StackFailed, match="refused the template"):
        deploy_stack(f"badsam-{unique}", broken)


def test_a_rest_api_event_makes_the_implicit_rest_api_with_its_route(sb, unique):
    answers = ALIASED.format(says="x").replace('return "x"', 'return {"statusCode": 200, "body": "x"}')
    template = answers.replace("      AutoPublishAlias: live\n      DeploymentPreference:\n"
                                                "        Type: Canary10Percent5Minutes\n", """      Events:
        Get:
          Type: Api
          Properties: {Path: /items, Method: get}
""").replace("  Application: {Value: !Ref ServerlessDeploymentApplication}\n  Group: {Value: !Ref FnDeploymentGroup}\n",
             "")
    template = template.replace("Outputs:\n", "Outputs:\n  Api: {Value: !Ref ServerlessRestApi}\n")
    out = deploy_stack(f"rest-{unique}", template)
    answer = requests.get(sb.api_url(out["Api"], stage="Prod") + "/items", timeout=30)
    assert (answer.status_code, answer.text) == (200, "x")
    delete_stack(f"rest-{unique}")


SNS_TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Table:
    Type: AWS::Serverless::SimpleTable
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Environment: {Variables: {TABLE: !Ref Table}}
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Table}
      InlineCode: |
        import os
        import boto3
        def handler(event, context):
            for record in event["Records"]:
                boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(
                    Item={"id": record["Sns"]["Message"], "source": record["EventSource"]})
      Events:
        Notes:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            FilterPolicy: {kind: [wanted]}
Outputs:
  Topic: {Value: !Ref Topic}
  Table: {Value: !Ref Table}
"""


def test_an_sns_event_subscribes_the_function_with_its_filter_policy(sb, unique):
    """https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sns.html"""
    stack = f"sns-{unique}"
    out = deploy_stack(stack, SNS_TEMPLATE)
    sns = boto3.client("sns")
    [subscription] = sns.list_subscriptions_by_topic(TopicArn=out["Topic"])["Subscriptions"]
    assert subscription["Protocol"] == "lambda"
    kind = {"kind": {"DataType": "String", "StringValue": "wanted"}}
    sns.publish(TopicArn=out["Topic"], Message="note-1", MessageAttributes=kind)
    sns.publish(TopicArn=out["Topic"], Message="note-2",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "other"}})
    assert sb.wait_idle(30)
    assert stored(out["Table"], "note-1") == {"id": "note-1", "source": "aws:sns"}
    assert stored(out["Table"], "note-2") is None
    delete_stack(stack)
    assert boto3.client("sns").list_subscriptions()["Subscriptions"].count(subscription) == 0


def test_expanding_a_template_says_nothing_of_the_translators_own_metrics(sb, caplog):
    """The translator warns of 'unpublished metrics' when nothing collects its usage counts; the sandbox has no
    publisher for them, so a learner's SAM stack must not print that on every change."""
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Runtime": "python3.12", "Handler": "index.handler", "InlineCode": "def handler(e, c): 0",
                       "Events": {"Tick": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}}}}}}
    with caplog.at_level("WARNING"):
        for _ in range(2):  # each transform replaces the translator's metrics, which then warns when collected
            expanded = sam.expand(template, {}, "123456789012", "us-east-1")
            gc.collect()
    assert expanded["Resources"]["Fn"]["Type"] == "AWS::Lambda::Function"
    assert not [record for record in caplog.records if "unpublished metrics" in record.getMessage()]
