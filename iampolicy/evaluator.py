"""IAM policy evaluation, following the IAM User Guide's flow ("Policy evaluation logic", single-account and
cross-account pages):

1. An applicable Deny statement in any policy gives ExplicitDeny.
2. If resource control policies or service control policies are given, one of each must allow.
3. The account root user may do anything to resources of its own account.
4. Within one account, a resource-based policy can allow on its own: when it names the calling user, role
   session, federated-user session or service (or everyone, "*"), neither identity-based policies, permissions
   boundaries nor session policies can take that away; when it names the role behind a role session (or the IAM
   user behind a federated-user session), boundaries and session policies still limit it. Naming only the
   account delegates to the account's identity-based policies.
5. Otherwise identity-based policies must allow, then the permissions boundary (if any), then the session policy
   (if any; a federated-user session without a session policy is denied).
6. Across accounts, both the resource-based policy and the caller's own evaluation (step 5) must allow.
Anything else is ImplicitDeny.

The deciding statements a Decision carries are, for an ExplicitDeny, every Deny that applies; otherwise every
Allow that applies to the caller (the grants behind an Allow, or the grants that were not enough for an implicit
deny), as IAM's policy simulator lists matched statements. The explanation says which layer was missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .context import RequestContext
from .models import Decision, Outcome, Request, StatementRef
from .policy import Policy, to_policies
from .principals import Caller, Grant, classify
from .statements import applies, principal_grant

IDENTITY, RESOURCE, BOUNDARY, SESSION, SCP, RCP = (
    "identity-based policy",
    "resource-based policy",
    "permissions boundary",
    "session policy",
    "service control policy",
    "resource control policy",
)


@dataclass
class Layer:
    """The statements of one policy type that apply to the request, split by effect."""

    kind: str
    present: bool
    allows: list[StatementRef] = field(default_factory=list)
    denies: list[StatementRef] = field(default_factory=list)
    grant: Grant | None = None  # resource policies only: the strongest way an Allow named the caller

    @property
    def allowed(self) -> bool:
        return bool(self.allows)


def _ref(policy: Policy, kind: str, index: int, sid: str | None, effect: str) -> StatementRef:
    return StatementRef(policy=policy.name, policy_type=kind, sid=sid, index=index, effect=effect)


def _collect(kind: str, policies: list[Policy], request: Request, context: RequestContext, caller: Caller) -> Layer:
    """Find the statements of one policy type that apply to the request."""
    layer = Layer(kind=kind, present=bool(policies))
    resource_based = kind == RESOURCE
    for policy in policies:
        for st in policy.statements:
            if st.effect not in ("Allow", "Deny"):
                continue
            grant = principal_grant(st, caller) if resource_based else Grant.DIRECT
            if grant is None or not applies(st, policy, request.action, request.resource, context, resource_based):
                continue
            ref = _ref(policy, kind, st.index, st.sid, st.effect)
            if st.effect == "Deny":
                layer.denies.append(ref)
            else:
                layer.allows.append(ref)
                layer.grant = grant if layer.grant is None else max(layer.grant, grant)
    return layer


def _resource_account(request: Request, caller: Caller) -> str | None:
    """The resource's account: as given, else from its ARN, else the caller's (ARNs like S3's omit it)."""
    if request.resource_account:
        return request.resource_account
    parts = request.resource.split(":", 5)
    if len(parts) == 6 and parts[4]:
        return parts[4]
    return caller.account


def _labels(refs: Iterable[StatementRef]) -> str:
    return ", ".join(ref.label for ref in refs)


def _decide(outcome: Outcome, refs: Iterable[StatementRef], explanation: str) -> Decision:
    return Decision(outcome=outcome, statements=tuple(refs), explanation=explanation)


def _caller_side(layers: dict[str, Layer], caller: Caller, action: str) -> Decision:
    """Identity-based policies, then the permissions boundary, then the session policy (steps 5 and 6)."""
    identity, boundary, session = layers[IDENTITY], layers[BOUNDARY], layers[SESSION]
    if caller.kind == "root":
        return _decide(Outcome.ALLOW, [], "the account root user has full access on its own account's side")
    if not identity.allowed:
        return _decide(Outcome.IMPLICIT_DENY, [], f"no identity-based policy allows {action}")
    granted = list(identity.allows)
    if boundary.present and not boundary.allowed:
        return _decide(Outcome.IMPLICIT_DENY, granted,
                       f"{_labels(granted)} allows {action}, but the permissions boundary does not")
    granted += boundary.allows
    if caller.is_session and session.present and not session.allowed:
        return _decide(Outcome.IMPLICIT_DENY, granted,
                       f"{_labels(identity.allows)} allows {action}, but the session policy does not")
    if caller.kind == "federated_user" and not session.present:
        return _decide(Outcome.IMPLICIT_DENY, granted,
                       "a federated-user session is allowed only what its session policy allows, and it has none")
    granted += session.allows if caller.is_session else []
    return _decide(Outcome.ALLOW, granted, f"allowed by {_labels(granted)}")


def _resource_side(layers: dict[str, Layer], caller: Caller, same_account: bool) -> Decision | None:
    """A same-account resource-based Allow that stands on its own, or None to go on (step 4)."""
    resource = layers[RESOURCE]
    if not resource.allowed or not same_account:
        return None
    refs = resource.allows
    if resource.grant is Grant.DIRECT:
        return _decide(Outcome.ALLOW, refs, f"allowed by {_labels(refs)}, which names the caller directly")
    if resource.grant is Grant.ISSUER:
        for layer in (layers[BOUNDARY], layers[SESSION]):
            if layer.present and not layer.allowed and (layer.kind != SESSION or caller.is_session):
                return _decide(Outcome.IMPLICIT_DENY, refs,
                               f"{_labels(refs)} names the role, so the {layer.kind}, which does not allow "
                               "the action, still limits it")
        return _decide(Outcome.ALLOW, refs + layers[BOUNDARY].allows + layers[SESSION].allows,
                       f"allowed by {_labels(refs)}, which names the role behind the session")
    return None


def _organization_guards(layers: dict[str, Layer], caller: Caller, action: str) -> Decision | None:
    """Resource control policies and service control policies, when given, must allow (step 2)."""
    if caller.kind in ("service", "anonymous"):
        return None
    for kind in (RCP, SCP):
        layer = layers[kind]
        if layer.present and not layer.allowed:
            return _decide(Outcome.IMPLICIT_DENY, [], f"no {kind} allows {action}")
    return None


def _counts_for(kind: str, caller: Caller) -> bool:
    """Whether a policy type's statements bear on this caller (only sessions have session policies; services and
    anonymous callers have nothing but the resource-based policy)."""
    if caller.kind in ("service", "anonymous", "other"):
        return kind == RESOURCE
    return kind != SESSION or caller.is_session


def _with_matched_allows(decision: Decision, layers: dict[str, Layer], caller: Caller) -> Decision:
    """Allow and ImplicitDeny carry every Allow statement that applies to the caller, in policy-type order."""
    refs = tuple(ref for kind, layer in layers.items() if _counts_for(kind, caller) for ref in layer.allows)
    return replace(decision, statements=refs)


def evaluate(
    request: Request,
    identity_policies: Iterable[Any] = (),
    resource_policies: Iterable[Any] = (),
    permission_boundaries: Iterable[Any] = (),
    session_policies: Iterable[Any] = (),
    service_control_policies: Iterable[Any] = (),
    resource_control_policies: Iterable[Any] = (),
) -> Decision:
    """Decide a request as AWS would, and say which statements decided it and why."""
    caller = classify(request.principal, request.account, request.session_issuer)
    context = RequestContext(request.context, caller)
    inputs = {IDENTITY: identity_policies, RESOURCE: resource_policies, BOUNDARY: permission_boundaries,
              SESSION: session_policies, SCP: service_control_policies, RCP: resource_control_policies}
    layers = {kind: _collect(kind, to_policies(items, kind.split()[0]), request, context, caller)
              for kind, items in inputs.items()}
    denies = [ref for layer in layers.values() for ref in layer.denies]
    if denies:
        return _decide(Outcome.EXPLICIT_DENY, denies, f"explicitly denied by {_labels(denies)}")
    return _with_matched_allows(_without_denies(request, layers, caller), layers, caller)


def _without_denies(request: Request, layers: dict[str, Layer], caller: Caller) -> Decision:
    """Steps 2 to 6, once no Deny applies."""
    guard = _organization_guards(layers, caller, request.action)
    if guard is not None:
        return guard
    same_account = caller.account is not None and caller.account == _resource_account(request, caller)
    if caller.kind == "root" and same_account:
        return _decide(Outcome.ALLOW, [], "the account root user has full access to its own account's resources")
    if caller.kind in ("service", "anonymous", "other") and layers[RESOURCE].allowed:
        refs = layers[RESOURCE].allows
        return _decide(Outcome.ALLOW, refs, f"allowed by {_labels(refs)}")
    standalone = _resource_side(layers, caller, same_account)
    if standalone is not None:
        return standalone
    if caller.kind in ("service", "anonymous", "other"):
        return _decide(Outcome.IMPLICIT_DENY, [], f"no resource-based policy allows {request.action} for {caller.arn}")
    own = _caller_side(layers, caller, request.action)
    if same_account or not own.allowed:
        return own
    if not layers[RESOURCE].allowed:
        return _decide(Outcome.IMPLICIT_DENY, own.statements,
                       f"cross-account request: {_labels(own.statements)} allows it, but no resource-based policy "
                       "of the resource's account does")
    both = own.statements + tuple(layers[RESOURCE].allows)
    return _decide(Outcome.ALLOW, both, f"cross-account request allowed by both sides: {_labels(both)}")
