"""Unit tests for the building blocks: wildcards, variables, conditions, policy inputs and the Decision text."""

from __future__ import annotations

import json

from iampolicy import Outcome, Policy, Request, evaluate
from iampolicy.conditions import evaluate_condition, parse_operator
from iampolicy.context import RequestContext
from iampolicy.principals import Grant, classify, match_principal
from iampolicy.variables import substitute
from iampolicy.wildcards import arns_overlap, glob_match, globs_overlap

ALICE = "arn:aws:iam::111122223333:user/alice"
FN = "arn:aws:lambda:us-east-1:111122223333:function:orders"
ALLOW = {"Version": "2012-10-17", "Statement": [{"Sid": "Run", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                 "Resource": FN}]}


def ctx(**keys: object) -> RequestContext:
    return RequestContext({k.replace("__", ":"): v for k, v in keys.items()}, classify(ALICE))


def test_glob_regex_characters_are_literal() -> None:
    assert glob_match("a+b(c)[d]", "a+b(c)[d]")
    assert not glob_match("a+b", "aab")
    assert glob_match("a*c", "a\nc")


def test_glob_overlap_of_two_patterns() -> None:
    assert globs_overlap("arn:*:bucket/*", "arn:aws:*")
    assert not globs_overlap("abc*", "abd*")
    assert globs_overlap("a?c", "*c")


def test_arn_overlap_is_part_by_part() -> None:
    assert not arns_overlap("arn:aws:s3:::b/*", "arn:*:lambda:*:*:function:*")
    assert arns_overlap("arn:aws:lambda:*:*:function:x:*", "arn:*:lambda:*:*:function:*")


def test_substituted_values_are_literal_pieces() -> None:
    pieces = substitute("x-${aws:username}-*", ctx(), True)
    assert pieces == (("x-", True), ("alice", False), ("-*", True))


def test_substitution_disabled_keeps_text() -> None:
    assert substitute("${aws:username}", ctx(), False) == (("${aws:username}", True),)


def test_multivalued_key_is_not_a_variable() -> None:
    assert substitute("${aws:TagKeys}", ctx(aws__TagKeys=["a", "b"]), True) is None


def test_operator_names_split_into_parts() -> None:
    parsed = parse_operator("ForAnyValue:StringLikeIfExists")
    assert (parsed.qualifier, parsed.base, parsed.if_exists, parsed.known) == ("foranyvalue", "stringlike", True, True)
    assert not parse_operator("StringMatches").known
    assert not parse_operator("NullIfExists").known


def test_unknown_operator_never_holds() -> None:
    assert not evaluate_condition({"StringMatches": {"aws:username": ("alice",)}}, ctx())
    assert not evaluate_condition({"StringNotMatches": {"aws:username": ("bob",)}}, ctx())


def test_bool_and_number_json_values() -> None:
    assert evaluate_condition({"Bool": {"aws:SecureTransport": (True,)}}, ctx(aws__SecureTransport="true"))
    numbers = RequestContext({"s3:max-keys": "10"}, classify(ALICE))
    assert evaluate_condition({"NumericEquals": {"s3:max-keys": (10,)}}, numbers)


def test_principal_kinds() -> None:
    session = classify("arn:aws:sts::111122223333:assumed-role/app/s")
    assert (session.kind, session.issuer) == ("role_session", "arn:aws:iam::111122223333:role/app")
    assert classify("lambda.amazonaws.com").kind == "service"
    assert classify("anonymous").kind == "anonymous"
    assert match_principal({"AWS": ("111122223333",)}, classify(ALICE)) is Grant.ACCOUNT
    assert match_principal({"AWS": ("arn:aws:iam::111122223333:role/app",)}, session) is Grant.ISSUER
    assert match_principal({"Service": ("lambda.amazonaws.com",)}, classify(ALICE)) is None


def test_policy_inputs_in_every_form() -> None:
    request = Request(ALICE, "lambda:InvokeFunction", FN)
    for policy in (ALLOW, json.dumps(ALLOW), ("mine", ALLOW), Policy.parse(ALLOW, name="mine")):
        assert evaluate(request, identity_policies=[policy]).allowed


def test_decision_names_policy_and_sid() -> None:
    decision = evaluate(Request(ALICE, "lambda:InvokeFunction", FN), identity_policies=[("team-policy", ALLOW)])
    assert decision.outcome is Outcome.ALLOW
    assert [ref.label for ref in decision.statements] == ["team-policy / Run"]
    assert "team-policy / Run" in str(decision)


def test_statement_without_sid_is_named_by_index() -> None:
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "lambda:*", "Resource": "*"}]}
    decision = evaluate(Request(ALICE, "lambda:InvokeFunction", FN), identity_policies=[("p", deny)])
    assert decision.outcome is Outcome.EXPLICIT_DENY
    assert [ref.label for ref in decision.statements] == ["p / #1"]


def test_implicit_deny_explains_the_missing_layer() -> None:
    decision = evaluate(Request(ALICE, "lambda:InvokeFunction", FN), identity_policies=[("p", ALLOW)],
                        permission_boundaries=[("edge", {"Version": "2012-10-17", "Statement": []})])
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert "permissions boundary" in decision.explanation
    assert [ref.label for ref in decision.statements] == ["p / Run"]
