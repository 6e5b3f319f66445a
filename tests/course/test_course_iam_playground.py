"""Chapter 07's IAM playground: its callback decides as IAM does and shows the validator's findings."""

import json

import pytest

from lambda_course.chapters import iam_playground as playground

BUCKET_POLICY_FOR_S3 = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "FromOurBucket", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
    "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:resize",
    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"},
                  "StringEquals": {"aws:SourceAccount": "123456789012"}}}]})
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:resize"


def test_the_starter_policy_gives_all_three_outcomes():
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    policy = playground.STARTER_POLICY
    assert playground.explain(policy, "dynamodb:GetItem", table).label == "Allow"
    denied = playground.explain(policy, "dynamodb:DeleteTable", table)
    assert denied.label == "Explicit deny"
    assert [ref.sid for ref in denied.decision.statements] == ["NeverDropTables"]
    other = playground.explain(policy, "dynamodb:GetItem", table.replace("orders", "customers"))
    assert other.label == "Implicit deny" and other.decision.statements == ()


@pytest.mark.parametrize(("context", "label"), [
    ("aws:SourceArn = arn:aws:s3:::uploads\naws:SourceAccount = 123456789012", "Allow"),
    ({"aws:SourceArn": "arn:aws:s3:::uploads", "aws:SourceAccount": "999999999999"}, "Implicit deny"),
    ('{"aws:SourceArn": "arn:aws:s3:::someone-else"}', "Implicit deny"),
])
def test_context_keys_decide_a_resource_policy(context, label):
    result = playground.explain(BUCKET_POLICY_FOR_S3, "lambda:InvokeFunction", FUNCTION, context,
                                policy_type="RESOURCE", principal="s3.amazonaws.com")
    assert result.label == label


def test_a_full_access_policy_is_allowed_but_flagged():
    star = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    result = playground.explain(star, "iam:PassRole", "*")
    assert result.label == "Allow"
    assert "FULL_ACCESS" in {f.code for f in result.findings}
    assert "FULL_ACCESS" in playground.render(result)


def test_unreadable_input_is_explained_instead_of_raising():
    broken = playground.explain('{"Statement": [', "s3:GetObject", "*")
    assert broken.decision is None and "not valid JSON" in broken.problem
    assert "JSON_SYNTAX_ERROR" in {f.code for f in broken.findings}
    assert "key = value" in playground.explain(playground.STARTER_POLICY, "s3:GetObject", "*", "no equals").problem
    assert playground.explain(playground.STARTER_POLICY, "GetObject", "*").decision is None
    assert playground.parse_context("aws:SourceIp = 10.0.0.1, 10.0.0.2") == {"aws:SourceIp": ["10.0.0.1", "10.0.0.2"]}


def test_the_widget_evaluates_what_its_boxes_hold_on_click():
    widget = playground.IamPlayground()
    assert "Allow" in widget.output.value
    widget.action.value = "dynamodb:DeleteTable"
    widget.button.click()
    assert "Explicit deny" in widget.output.value and "NeverDropTables" in widget.output.value
    widget.policy.value = "not json"
    assert widget.update().label == "Cannot evaluate"
