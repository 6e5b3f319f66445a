"""IAM's SimulateCustomPolicy and SimulatePrincipalPolicy, answered with our evaluator (moto lacks them).

The answers have the shape boto3 reads from AWS: EvaluationResults, one per action and resource, each with
EvalActionName, EvalResourceName, EvalDecision ("allowed", "explicitDeny" or "implicitDeny"), the
MatchedStatements that decided it (SourcePolicyId, SourcePolicyType, and the statement's StartPosition and
EndPosition in the policy text) and MissingContextValues (condition keys the relevant statements test that the
ContextEntries do not supply). A user's simulation counts its own and its groups' policies; a role's counts its
permissions boundary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.exceptions import InvalidInput, MalformedPolicyDocument, NotFoundException
from moto.iam.models import iam_backends

from iampolicy.context_keys import missing_context_keys
from iampolicy.evaluator import evaluate
from iampolicy.models import Decision, Outcome, Request
from iampolicy.policy import to_policies
from iampolicy.positions import statement_spans
from localaws import seams

from .params import parameters

DECISIONS = {Outcome.ALLOW: "allowed", Outcome.EXPLICIT_DENY: "explicitDeny", Outcome.IMPLICIT_DENY: "implicitDeny"}
_LIST_TYPES = ("stringList", "numericList", "booleanList", "dateList", "ipList", "binaryList")


@dataclass
class Inputs:
    """The policies and caller of one simulation, each policy named as AWS names it in MatchedStatements."""

    caller: str
    identity: list[tuple[str, str]] = field(default_factory=list)
    boundary: list[tuple[str, str]] = field(default_factory=list)
    resource: list[tuple[str, str]] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # policy name -> SourcePolicyType


def context_of(entries: list[dict[str, Any]] | None) -> dict[str, Any]:
    """ContextEntries as evaluator context: list types stay lists, other types take their single value."""
    context: dict[str, Any] = {}
    for entry in entries or []:
        values = list(entry.get("ContextKeyValues") or [])
        if entry.get("ContextKeyType") in _LIST_TYPES:
            context[entry["ContextKeyName"]] = values
        elif values:
            context[entry["ContextKeyName"]] = values[0]
    return context


def _numbered(prefix: str, documents: list[str] | None, kind: str, inputs: Inputs) -> list[tuple[str, str]]:
    named = [(f"{prefix}.{i}", doc) for i, doc in enumerate(documents or [], 1)]
    inputs.types.update({name: kind for name, _ in named})
    return named


def _texts(inputs: Inputs) -> dict[str, str]:
    """Each policy's JSON text by name (documents given as objects are written out as JSON)."""
    return {name: doc if isinstance(doc, str) else json.dumps(doc)
            for name, doc in inputs.identity + inputs.boundary + inputs.resource}


def _position(point: tuple[int, int]) -> dict[str, int]:
    return {"Line": point[0], "Column": point[1]}


def _matched(decision: Decision, inputs: Inputs, texts: dict[str, str]) -> list[dict[str, Any]]:
    """One entry per deciding statement, with its policy and its place in the policy text."""
    matched = []
    for ref in decision.statements:
        entry: dict[str, Any] = {"SourcePolicyId": ref.policy, "SourcePolicyType": inputs.types.get(ref.policy, "none")}
        spans = statement_spans(texts.get(ref.policy, ""))
        if ref.index < len(spans):
            entry["StartPosition"] = _position(spans[ref.index].start)
            entry["EndPosition"] = _position(spans[ref.index].end)
        matched.append(entry)
    return matched


def _missing(request: Request, inputs: Inputs) -> list[str]:
    """The condition keys the simulation's policies test for this request that its context does not give."""
    pairs = [(policy, False) for policy in to_policies(inputs.identity + inputs.boundary, "identity")]
    pairs += [(policy, True) for policy in to_policies(inputs.resource, "resource")]
    return missing_context_keys(request, pairs)


def _check_documents(inputs: Inputs) -> None:
    for name, document in inputs.identity + inputs.boundary + inputs.resource:
        try:
            to_policies([(name, document)], "identity")
        except (ValueError, TypeError, AttributeError) as error:  # not JSON, or JSON of the wrong shape
            raise MalformedPolicyDocument(f"{name}: {error}") from error


def results(inputs: Inputs, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One EvaluationResult per (action, resource)."""
    if not params.get("ActionNames"):  # required by the API: without it the answer would be empty
        raise InvalidInput("1 validation error detected: Value null at 'actionNames' failed to satisfy "
                           "constraint: Member must not be null")
    _check_documents(inputs)
    context = context_of(params.get("ContextEntries"))
    owner = params.get("ResourceOwner")
    owner_account = owner.split(":")[4] if owner and owner.startswith("arn:") else owner
    texts = _texts(inputs)
    answers = []
    for action in params.get("ActionNames") or []:
        for resource in params.get("ResourceArns") or ["*"]:
            request = Request(principal=inputs.caller, action=action, resource=resource, context=context,
                              resource_account=owner_account or None)
            decision = evaluate(request, inputs.identity, inputs.resource, inputs.boundary)
            answers.append({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": DECISIONS[decision.outcome],
                "MatchedStatements": _matched(decision, inputs, texts),
                "MissingContextValues": _missing(request, inputs),
            })
    return answers


def _with_resource_policy(inputs: Inputs, params: dict[str, Any]) -> Inputs:
    if params.get("ResourcePolicy"):
        inputs.resource = [("ResourcePolicy", params["ResourcePolicy"])]
        inputs.types["ResourcePolicy"] = "resource"
    return inputs


def custom_inputs(params: dict[str, Any], account: str) -> Inputs:
    """The inputs of SimulateCustomPolicy: the given policies, for CallerArn or an unnamed user."""
    inputs = Inputs(caller=params.get("CallerArn") or f"arn:aws:iam::{account}:user/SimulatedUser")
    inputs.identity = _numbered("PolicyInputList", params.get("PolicyInputList"), "none", inputs)
    inputs.boundary = _numbered("PermissionsBoundaryPolicyInputList", params.get("PermissionsBoundaryPolicyInputList"),
                                "none", inputs)
    return _with_resource_policy(inputs, params)


def _managed(iam: Any, arn: str) -> tuple[str, str, str] | None:
    try:
        policy = iam.get_policy(arn)
    except NotFoundException:  # an attachment whose policy is gone grants nothing
        return None
    document = next((v.document for v in policy.versions if v.version_id == policy.default_version_id), None)
    kind = "aws-managed" if ":aws:policy/" in arn else "user-managed"
    return (policy.name, document, kind) if document else None


def _attached(iam: Any, entity: Any, kind: str, inputs: Inputs) -> None:
    for name, document in entity.policies.items():
        inputs.identity.append((name, document))
        inputs.types[name] = kind
    for arn in entity.managed_policies:
        found = _managed(iam, arn)
        if found:
            inputs.identity.append(found[:2])
            inputs.types[found[0]] = found[2]


def principal_inputs(params: dict[str, Any], account: str) -> Inputs:
    """The inputs of SimulatePrincipalPolicy: the user's (with its groups'), group's or role's policies."""
    source = params.get("PolicySourceArn") or ""
    iam = iam_backends[account]["aws"]
    entity_kind, _, path_name = source.split(":", 5)[-1].partition("/")
    name = path_name.rsplit("/", 1)[-1]
    inputs = Inputs(caller=params.get("CallerArn") or source)
    entity: Any  # moto's Role, User or Group: each holds its inline and attached policies alike
    if entity_kind == "role":
        entity = iam.get_role(name)
        _attached(iam, entity, "role", inputs)
    elif entity_kind == "user":
        entity = iam.get_user(name)
        _attached(iam, entity, "user", inputs)
        for group in iam.get_groups_for_user(name):
            _attached(iam, group, "group", inputs)
    elif entity_kind == "group":
        entity = iam.get_group(name)
        _attached(iam, entity, "group", inputs)
    else:
        raise InvalidInput(f"PolicySourceArn {source} is not an IAM user, group or role")
    inputs.identity += _numbered("PolicyInputList", params.get("PolicyInputList"), "none", inputs)
    boundary_arn = getattr(entity, "permissions_boundary_arn", None) or getattr(entity, "permissions_boundary", None)
    found = _managed(iam, boundary_arn) if isinstance(boundary_arn, str) else None
    if found:
        inputs.boundary = [found[:2]]
        inputs.types[found[0]] = found[2]
    inputs.boundary += _numbered("PermissionsBoundaryPolicyInputList",
                                 params.get("PermissionsBoundaryPolicyInputList"), "none", inputs)
    return _with_resource_policy(inputs, params)


def _simulate_custom_policy(self: Any) -> Any:
    params = parameters(self, "SimulateCustomPolicy")
    answers = results(custom_inputs(params, self.current_account), params)
    return ActionResult({"EvaluationResults": answers, "IsTruncated": False})


def _simulate_principal_policy(self: Any) -> Any:
    params = parameters(self, "SimulatePrincipalPolicy")
    answers = results(principal_inputs(params, self.current_account), params)
    return ActionResult({"EvaluationResults": answers, "IsTruncated": False})


def install() -> None:
    """Give moto's IAM the two simulation actions (idempotent)."""
    seams.patch("moto.iam.responses:IamResponse.simulate_custom_policy", _simulate_custom_policy)
    seams.patch("moto.iam.responses:IamResponse.simulate_principal_policy", _simulate_principal_policy)
