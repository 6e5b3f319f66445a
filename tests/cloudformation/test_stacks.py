"""CloudFormation stacks whose Lambda resources run: create, update, roll back and delete, as CloudFormation does.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html (ZipFile inline
code is written to index.py; Ref is the name, Fn::GetAtt Arn; a new FunctionName replaces the function)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-version.html (Ref is the
version ARN; Fn::GetAtt Version)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-alias.html (RoutingConfig
AdditionalVersionWeights: FunctionVersion and FunctionWeight)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-url.html (Fn::GetAtt FunctionUrl)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-layerversion.html (Ref is the
layer version ARN)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks.html (a failed update
rolls back to the previous state: UPDATE_ROLLBACK_COMPLETE)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html (a failed create rolls
back and deletes what it made: ROLLBACK_COMPLETE)
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_course.deploy import zip_source
from lambda_course.stacks import StackFailed, delete_stack, deploy_stack
from localaws.facts import value

ROLE = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
"""


def function_template(says: str, extra: str = "") -> str:
    """A role and a function with inline code that answers `says`; `extra` adds function properties."""
    extra_lines = textwrap.indent(textwrap.dedent(extra).strip(), " " * 6) if extra else ""
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Resources:{ROLE}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
{extra_lines}
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return {{"says": "{says}", "colour": os.environ.get("COLOUR")}}
Outputs:
  Name:
    Value: !Ref Fn
  Arn:
    Value: !GetAtt Fn.Arn
  RoleName:
    Value: !Ref Role
"""


def call(name: str, qualifier: str | None = None) -> dict:
    extra = {"Qualifier": qualifier} if qualifier else {}
    answer = boto3.client("lambda").invoke(FunctionName=name, **extra)
    assert "FunctionError" not in answer
    return json.load(answer["Payload"])


def status(stack: str) -> str:
    return boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def failed_events(stack: str) -> list[tuple[str, str, str]]:
    events = boto3.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "") for e in events
            if e["ResourceStatus"].endswith("_FAILED")]


def function_names() -> set[str]:
    return {f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]}


def test_create_runs_inline_code_and_update_runs_new_code_and_configuration(sb, unique):
    stack = f"fn-{unique}"
    out = deploy_stack(stack, function_template("one"))
    assert status(stack) == "CREATE_COMPLETE"
    assert out["Arn"].endswith(f":function:{out['Name']}") and out["Name"].startswith(f"{stack}-Fn-")
    assert call(out["Name"]) == {"says": "one", "colour": None}
    code = boto3.client("lambda").get_function(FunctionName=out["Name"])
    assert code["Configuration"]["Handler"] == "index.handler"

    deploy_stack(stack, function_template("two", "Environment: {Variables: {COLOUR: blue}}\nMemorySize: 256"))
    assert status(stack) == "UPDATE_COMPLETE"
    assert call(out["Name"]) == {"says": "two", "colour": "blue"}
    config = boto3.client("lambda").get_function_configuration(FunctionName=out["Name"])
    assert config["MemorySize"] == 256
    template = boto3.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
    assert "two" in json.dumps(template)
    delete_stack(stack)


def test_an_update_with_a_missing_layer_rolls_back_and_the_old_code_still_answers(sb, unique):
    stack = f"layer-{unique}"
    out = deploy_stack(stack, function_template("old"))
    missing = "arn:aws:lambda:us-east-1:123456789012:layer:no-such-layer:1"
    with pytest.raises(StackFailed) as raised:
        deploy_stack(stack, function_template("new", f"Layers: [{missing}]"))
    assert status(stack) == "UPDATE_ROLLBACK_COMPLETE"
    assert "rolled back" in str(raised.value) and "Fn (AWS::Lambda::Function)" in str(raised.value)
    [(logical, state, reason)] = failed_events(stack)
    assert (logical, state) == ("Fn", "UPDATE_FAILED") and "no-such-layer" in reason
    assert call(out["Name"])["says"] == "old"
    config = boto3.client("lambda").get_function_configuration(FunctionName=out["Name"])
    assert not config.get("Layers")
    # The stack can be updated again after the rollback.
    deploy_stack(stack, function_template("newer"))
    assert call(out["Name"])["says"] == "newer"
    delete_stack(stack)


def test_an_update_with_an_invalid_property_rolls_back_at_that_resource(sb, unique):
    stack = f"prop-{unique}"
    out = deploy_stack(stack, function_template("kept"))
    with pytest.raises(StackFailed, match="MemorySize|128"):
        deploy_stack(stack, function_template("lost", "MemorySize: 64"))
    assert status(stack) == "UPDATE_ROLLBACK_COMPLETE"
    [(logical, state, reason)] = failed_events(stack)
    assert (logical, state) == ("Fn", "UPDATE_FAILED")
    assert reason.startswith("Properties validation failed for resource Fn")
    assert call(out["Name"])["says"] == "kept"


def test_a_failed_create_rolls_back_and_leaves_nothing(sb, unique):
    stack = f"bad-{unique}"
    before = function_names()
    with pytest.raises(StackFailed, match="could not be created"):
        deploy_stack(stack, function_template("x", "Layers: [arn:aws:lambda:us-east-1:123456789012:layer:none:1]"))
    assert status(stack) == "ROLLBACK_COMPLETE"
    assert function_names() == before
    roles = {r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]}
    assert not any(name.startswith(f"{stack}-") for name in roles)
    assert boto3.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"] == []
    # Deploying again replaces the rolled-back stack, as `sam deploy` does.
    out = deploy_stack(stack, function_template("y"))
    assert call(out["Name"])["says"] == "y"


def test_a_template_cloudformation_would_refuse_is_refused_before_anything_is_made(sb, unique):
    stack = f"refused-{unique}"
    broken = function_template("x").replace("!GetAtt Role.Arn", "!GetAtt NoSuchRole.Arn")
    with pytest.raises(ClientError) as raised:
        boto3.client("cloudformation").create_stack(StackName=stack, TemplateBody=broken)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["Error"]["Message"].startswith("Template format error:")
    with pytest.raises(ClientError, match="does not exist"):
        boto3.client("cloudformation").describe_stacks(StackName=stack)


def test_an_update_with_nothing_to_change_is_refused(sb, unique):
    stack = f"same-{unique}"
    deploy_stack(stack, function_template("same"))
    with pytest.raises(ClientError, match="No updates are to be performed"):
        boto3.client("cloudformation").update_stack(StackName=stack, TemplateBody=function_template("same"))
    assert status(stack) == "CREATE_COMPLETE"


def test_a_resource_type_the_sandbox_cannot_make_fails_instead_of_being_skipped(sb, unique):
    stack = f"unknown-{unique}"
    template = function_template("x") .replace("Outputs:", """  Signing:
    Type: AWS::Lambda::CodeSigningConfig
    Properties:
      AllowedPublishers: {SigningProfileVersionArns: [arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/1]}
Outputs:""")
    with pytest.raises(StackFailed, match="cannot create AWS::Lambda::CodeSigningConfig"):
        deploy_stack(stack, template)
    assert status(stack) == "ROLLBACK_COMPLETE"


def test_delete_removes_every_resource(sb, unique):
    stack = f"gone-{unique}"
    out = deploy_stack(stack, function_template("bye"))
    delete_stack(stack)
    assert out["Name"] not in function_names()
    with pytest.raises(ClientError, match="NoSuchEntity|cannot be found"):
        boto3.client("iam").get_role(RoleName=out["RoleName"])


def weighted_template(says: str, weight: float | None) -> str:
    """A function, version 1, and an alias `live` on it; with a weight, version 2 (the code saying `says`) too."""
    second = """
  V2:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn}""" if weight is not None else ""
    routing = f"""
      RoutingConfig:
        AdditionalVersionWeights:
          - FunctionVersion: !GetAtt V2.Version
            FunctionWeight: {weight}""" if weight is not None else ""
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Resources:{ROLE}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return ["{says}", os.environ["AWS_LAMBDA_FUNCTION_VERSION"]]
  V1:
    Type: AWS::Lambda::Version
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties: {{FunctionName: !Ref Fn}}{second}
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      Name: live
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt V1.Version{routing}
Outputs:
  Name: {{Value: !Ref Fn}}
  Alias: {{Value: !Ref Live}}
  V1: {{Value: !Ref V1}}
"""


def test_an_alias_with_weights_splits_traffic_and_an_update_moves_the_weight(sb, unique):
    stack = f"alias-{unique}"
    out = deploy_stack(stack, weighted_template("blue", None))
    assert out["Alias"].endswith(f":function:{out['Name']}:live") and out["V1"].endswith(f":{out['Name']}:1")
    assert call(out["Name"], "live") == ["blue", "1"]
    deploy_stack(stack, weighted_template("green", 0.5))
    alias = boto3.client("lambda").get_alias(FunctionName=out["Name"], Name="live")
    assert (alias["FunctionVersion"], alias["RoutingConfig"]["AdditionalVersionWeights"]) == ("1", {"2": 0.5})
    ran = Counter(tuple(call(out["Name"], "live")) for _ in range(40))
    assert set(ran) == {("blue", "1"), ("green", "2")}
    deploy_stack(stack, weighted_template("green", 0.0))
    assert {tuple(call(out["Name"], "live")) for _ in range(10)} == {("blue", "1")}
    delete_stack(stack)
    assert out["Name"] not in function_names()


def test_layer_version_permission_and_url_are_made_and_removed(sb, unique):
    bucket = f"cfn-layers-{unique}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="layer.zip", Body=zip_source({"python/greeting.py": "WORD = 'layered'\n"}))
    stack = f"extras-{unique}"
    template = function_template("x", "Layers: [!Ref Layer]").replace(
        "          import os\n", "          import os\n          from greeting import WORD\n").replace(
        '"says": "x"', '"says": WORD') + """  Layer:
    Value: !Ref Layer
  Url:
    Value: !GetAtt Url.FunctionUrl
""".replace("Outputs:\n", "")
    template = template.replace("Outputs:", f"""  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: greeting-{unique}
      CompatibleRuntimes: [python3.12]
      Content: {{S3Bucket: {bucket}, S3Key: layer.zip}}
  Url:
    Type: AWS::Lambda::Url
    Properties: {{TargetFunctionArn: !GetAtt Fn.Arn, AuthType: NONE}}
  PublicUrl:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunctionUrl
      Principal: '*'
      FunctionUrlAuthType: NONE
Outputs:""", 1)
    out = deploy_stack(stack, template)
    assert out["Layer"] == f"arn:aws:lambda:us-east-1:123456789012:layer:greeting-{unique}:1"
    assert call(out["Name"])["says"] == "layered"
    assert out["Url"].startswith("https://") and ".lambda-url.us-east-1.on.aws" in out["Url"]
    policy = json.loads(boto3.client("lambda").get_policy(FunctionName=out["Name"])["Policy"])
    assert [s["Action"] for s in policy["Statement"]] == ["lambda:InvokeFunctionUrl"]
    delete_stack(stack)
    assert out["Name"] not in function_names()
    layers = boto3.client("lambda").list_layer_versions(LayerName=f"greeting-{unique}")["LayerVersions"]
    assert layers == []


def test_a_replacement_is_kept_until_the_update_succeeds_and_undone_when_it_fails(sb, unique):
    stack = f"rename-{unique}"
    first, second, third = (f"named-{unique}-{n}" for n in ("a", "b", "c"))
    deploy_stack(stack, function_template("a", f"FunctionName: {first}"))
    missing = "arn:aws:lambda:us-east-1:123456789012:layer:none:1"
    failing = function_template("b", f"FunctionName: {second}").replace("Outputs:", f"""  Other:
    Type: AWS::Lambda::Function
    DependsOn: Fn
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Layers: [{missing}]
      Code: {{ZipFile: "def handler(e, c): return 0"}}
Outputs:""")
    with pytest.raises(StackFailed, match="Other"):
        deploy_stack(stack, failing)
    names = function_names()
    assert first in names and second not in names and call(first)["says"] == "a"
    out = deploy_stack(stack, function_template("c", f"FunctionName: {third}"))
    names = function_names()
    assert out["Name"] == third and first not in names and call(third)["says"] == "c"
    delete_stack(stack)


def test_a_resource_that_cannot_be_deleted_leaves_the_stack_delete_failed_until_it_can(sb, unique):
    """A role with a policy attached outside the stack cannot be deleted (IAM's DeleteConflict).

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html (DELETE_FAILED: a
    resource that cannot be deleted; delete the stack again once the dependency is removed)
    """
    stack = f"stuck-{unique}"
    out = deploy_stack(stack, function_template("x"))
    extra = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    boto3.client("iam").attach_role_policy(RoleName=out["RoleName"], PolicyArn=extra)
    with pytest.raises(StackFailed, match="Role"):
        delete_stack(stack)
    assert status(stack) == "DELETE_FAILED"
    assert ("Role", "DELETE_FAILED") in [(logical, state) for logical, state, _ in failed_events(stack)]
    assert out["Name"] not in function_names()  # what could be deleted was
    boto3.client("iam").detach_role_policy(RoleName=out["RoleName"], PolicyArn=extra)
    delete_stack(stack)
    with pytest.raises(ClientError):
        boto3.client("iam").get_role(RoleName=out["RoleName"])


def test_parameters_reach_the_function_and_a_new_value_updates_it(sb, unique):
    stack = f"param-{unique}"
    template = function_template("p", "Environment: {Variables: {COLOUR: !Ref Colour}}").replace(
        "Resources:", "Parameters:\n  Colour: {Type: String, Default: red}\nResources:", 1)
    out = deploy_stack(stack, template)
    assert call(out["Name"])["colour"] == "red"
    deploy_stack(stack, template, parameters={"Colour": "teal"})
    assert status(stack) == "UPDATE_COMPLETE" and call(out["Name"])["colour"] == "teal"
    delete_stack(stack)


def test_a_rollback_puts_other_services_resources_back_too(sb, unique):
    stack = f"queue-{unique}"

    def template(timeout: int, extra: str = "") -> str:
        queue = f"""  Queue:
    Type: AWS::SQS::Queue
    Properties: {{VisibilityTimeout: {timeout}}}
"""  # before the function: changed first, so the rollback has to change it back
        return function_template("q", extra).replace("  Fn:\n", queue + "  Fn:\n").replace(
            "Outputs:", "Outputs:\n  Queue: {Value: !Ref Queue}")

    out = deploy_stack(stack, template(60))
    with pytest.raises(StackFailed):
        deploy_stack(stack, template(90, "Layers: [arn:aws:lambda:us-east-1:123456789012:layer:none:1]"))
    events = boto3.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    queue = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "Queue"]
    assert queue.count("UPDATE_COMPLETE") == 2  # changed by the update, changed back by the rollback
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=out["Queue"], AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "60"
    deploy_stack(stack, template(90))
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=out["Queue"], AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "90"


def test_a_property_dropped_from_the_template_goes_back_to_its_default(sb, unique):
    """https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (MemorySize, Timeout defaults)"""
    stack = f"dropped-{unique}"
    out = deploy_stack(stack, function_template("d", "MemorySize: 512\nTimeout: 20\n"
                                                     "Environment: {Variables: {COLOUR: red}}"))
    deploy_stack(stack, function_template("d"))
    config = boto3.client("lambda").get_function_configuration(FunctionName=out["Name"])
    assert (config["MemorySize"], config["Timeout"]) == (value("memory_default_mb"), value("timeout_default_s"))
    assert call(out["Name"])["colour"] is None
