"""The pieces that need no running sandbox: the moto seam check, the operation table, ARNs and error shapes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from iampolicy import Decision, Outcome, StatementRef
from localaws.iam import arns, denials, operations, seam
from localaws.iam.identity import RoleSession, access_key_of

WHERE = arns.Where("aws", "eu-west-1", "111122223333")
SESSION = RoleSession("arn:aws:sts::111122223333:assumed-role/app/fn", "arn:aws:iam::111122223333:role/app", "app",
                      "111122223333", "aws")


def test_moto_has_the_hook_we_wrap():
    from moto.core.authorization import ActionAuthenticatorMixin

    from localaws import seams

    assert seams.problem(seams.declared(seam.HOOK)) is None
    assert callable(ActionAuthenticatorMixin._authenticate_and_authorize_action)


@pytest.mark.parametrize(("service", "operation", "params", "expected"), [
    ("s3", "GetObject", {"Bucket": "b", "Key": "a/b.txt"}, ["arn:aws:s3:::b/a/b.txt"]),
    ("s3", "ListObjectsV2", {"Bucket": "b"}, ["arn:aws:s3:::b"]),
    ("s3", "ListBuckets", {}, ["*"]),
    ("dynamodb", "BatchWriteItem", {"RequestItems": {"a": [], "b": []}},
     ["arn:aws:dynamodb:eu-west-1:111122223333:table/a", "arn:aws:dynamodb:eu-west-1:111122223333:table/b"]),
    ("sqs", "SendMessage", {"QueueUrl": "http://127.0.0.1:5000/444455556666/jobs"},
     ["arn:aws:sqs:eu-west-1:444455556666:jobs"]),
    ("logs", "PutLogEvents", {"logGroupName": "/g", "logStreamName": "s"},
     ["arn:aws:logs:eu-west-1:111122223333:log-group:/g:log-stream:s"]),
    ("events", "PutEvents", {"Entries": [{"Source": "x"}, {"EventBusName": "orders"}]},
     ["arn:aws:events:eu-west-1:111122223333:event-bus/default",
      "arn:aws:events:eu-west-1:111122223333:event-bus/orders"]),
    ("sns", "ListTopics", {"NextToken": "x"}, ["*"]),
])
def test_resource_arns(service, operation, params, expected):
    kind, value = operations.resource_kind(service, operation, params)
    where = arns.Where(WHERE.partition, WHERE.region, WHERE.account, operation)
    assert arns.resource_arns(kind, value, params, where) == expected


@pytest.mark.parametrize(("name", "qualifier", "expected"), [
    ("fn", None, "arn:aws:lambda:eu-west-1:111122223333:function:fn"),
    ("fn:live", None, "arn:aws:lambda:eu-west-1:111122223333:function:fn:live"),
    ("fn", "3", "arn:aws:lambda:eu-west-1:111122223333:function:fn:3"),
    ("fn", "$LATEST", "arn:aws:lambda:eu-west-1:111122223333:function:fn"),
    ("444455556666:function:fn", None, "arn:aws:lambda:eu-west-1:444455556666:function:fn"),
    ("arn:aws:lambda:eu-west-1:444455556666:function:fn:prod", None,
     "arn:aws:lambda:eu-west-1:444455556666:function:fn:prod"),
])
def test_function_arn_forms(name, qualifier, expected):
    assert arns.function_arn(name, qualifier, WHERE) == expected


def test_access_key_is_read_from_the_authorization_header():
    header = ("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20240101/us-east-1/s3/aws4_request, "
              "SignedHeaders=host, Signature=abc")
    assert access_key_of(header) == "ASIAEXAMPLE"


def _decision(outcome: Outcome, kind: str = "identity-based policy", explanation: str = "") -> Decision:
    refs = (StatementRef("p", kind, "S", 0, "Deny"),) if outcome is Outcome.EXPLICIT_DENY else ()
    return Decision(outcome, refs, explanation)


def test_sns_denial_is_query_xml_with_authorization_error():
    text = denials.message(SESSION, "sns:Publish", "arn:aws:sns:eu-west-1:111122223333:t",
                           _decision(Outcome.IMPLICIT_DENY, explanation="no identity-based policy allows"), "sns")
    assert "perform: SNS:Publish on resource: arn:aws:sns:eu-west-1:111122223333:t because no identity-based " \
           "policy allows the SNS:Publish action" in text
    error = denials.denial("sns", text)
    assert error.code == 403
    root = ET.fromstring(error.get_body())
    ns = {"a": "https://sns.amazonaws.com/doc/"}
    assert root.find("a:Error/a:Code", ns).text == "AuthorizationError"
    assert root.find("a:Error/a:Message", ns).text == text


def test_json_denial_carries_the_type_and_status():
    decision = _decision(Outcome.EXPLICIT_DENY, kind="resource-based policy")
    text = denials.message(SESSION, "kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/k", decision, "kms")
    assert text.endswith("with an explicit deny in a resource-based policy")
    error = denials.denial("kms", text)
    assert (error.code, json.loads(error.get_body())["__type"]) == (400, "AccessDeniedException")
    assert denials.denial("lambda", text).code == 403


def test_boundary_denial_reason():
    decision = _decision(Outcome.IMPLICIT_DENY, explanation="p / S allows x, but the permissions boundary does not")
    text = denials.message(SESSION, "s3:GetObject", "arn:aws:s3:::b/k", decision, "s3")
    assert text.endswith('on resource: "arn:aws:s3:::b/k" because no permissions boundary allows the s3:GetObject '
                         "action")


def test_sandbox_installs_the_hook(sb):
    from moto.core.authorization import ActionAuthenticatorMixin

    assert seam.installed()
    assert ActionAuthenticatorMixin._authenticate_and_authorize_action is seam._hook


IMPLICIT = Decision(Outcome.IMPLICIT_DENY, (), "no identity-based policy allows")
WHO = "User: arn:aws:sts::111122223333:assumed-role/app/fn is not authorized to perform:"


@pytest.mark.parametrize(("service", "action", "resource", "params", "expected"), [
    ("sqs", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:q", None,
     "sqs:sendmessage on resource: arn:aws:sqs:eu-west-1:111122223333:q because no identity-based policy allows "
     "the sqs:sendmessage action"),
    ("secretsmanager", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-A1",
     {"SecretId": "db"}, "secretsmanager:GetSecretValue on resource: db because no identity-based policy allows the "
     "secretsmanager:GetSecretValue action"),
    ("secretsmanager", "secretsmanager:ListSecrets", "*", {},
     "secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action"),
    ("kms", "kms:ListKeys", "*", {}, "kms:ListKeys because no identity-based policy allows the kms:ListKeys action"),
    ("lambda", "lambda:ListFunctions", "*", {},
     "lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action"),
    ("sts", "sts:AssumeRole", "arn:aws:iam::111122223333:role/other", {},
     "sts:AssumeRole on resource: arn:aws:iam::111122223333:role/other"),
])
def test_each_service_words_its_denial(service, action, resource, params, expected):
    assert denials.message(SESSION, action, resource, IMPLICIT, service, params) == f"{WHO} {expected}"


@pytest.mark.parametrize(("service", "status"), [("s3", 403), ("sqs", 403), ("sns", 403), ("lambda", 403),
                                                  ("sts", 403), ("dynamodb", 400), ("kms", 400),
                                                  ("secretsmanager", 400), ("logs", 400), ("events", 400)])
def test_denial_status(service, status):
    assert denials.denial(service, "no").code == denials.status(service) == status


def test_function_policy_reads_moto_url_fields_as_the_conditions_aws_writes(sb, unique):
    import boto3

    from lambda_course.deploy import deploy_function
    from localaws.iam.arns import Where
    from localaws.iam.resource_policies import resource_policy

    arn = deploy_function(f"url-policy-{unique}", "def handler(e, c):\n    return 1\n")["FunctionArn"]
    client = boto3.client("lambda")
    client.add_permission(FunctionName=arn, StatementId="public-url", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE")
    client.add_permission(FunctionName=arn, StatementId="via-url", Action="lambda:InvokeFunction",
                          Principal="*", InvokedViaFunctionUrl=True)
    parts = arn.split(":")
    statements = {st["Sid"]: st for st in resource_policy(arn, Where(parts[1], parts[3], parts[4]))["Statement"]}
    assert statements["public-url"]["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    assert statements["via-url"]["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    assert not {"FunctionUrlAuthType", "InvokedViaFunctionUrl"} & {k for st in statements.values() for k in st}


@pytest.mark.parametrize("moto_takes", ["request", "content_type"])
def test_request_protocol_is_read_with_either_signature_of_motos_function(monkeypatch, moto_takes):
    """moto 5.2.5 hands determine_request_protocol the content type, 5.2.6 the request: both must parse."""
    import moto.core.request

    from localaws.iam import params

    seen = []

    def by_request(service_model, request):
        seen.append(request)
        return "json"

    def by_content_type(service_model, content_type):
        seen.append(content_type)
        return "json"

    monkeypatch.setattr(moto.core.request, "determine_request_protocol",
                        by_request if moto_takes == "request" else by_content_type)
    params._protocol_reads_request.cache_clear()
    request = type("Request", (), {"content_type": "application/x-amz-json-1.0"})()
    try:
        assert params.request_protocol(object(), request) == "json"
    finally:
        params._protocol_reads_request.cache_clear()
    assert seen == [request if moto_takes == "request" else "application/x-amz-json-1.0"]
