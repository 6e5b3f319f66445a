"""Authorise one HTTP request signed by an execution role's session, as AWS would, with our IAM evaluator."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from iampolicy.evaluator import evaluate
from iampolicy.models import Decision, Request
from localaws import settings

from . import checks, operations
from .arns import Where
from .denials import AccessDenied, denial, message
from .identity import RoleSession, access_key_of, parsed, role_policies, role_session
from .params import operation_of, parameters
from .resource_policies import resource_policy
from .tags import principal_tags, resource_tags

if TYPE_CHECKING:
    from iampolicy.policy import Policy


@cache
def _allow_all() -> Policy:
    """An identity policy allowing everything, parsed when first needed rather than when this module loads."""
    return parsed("allow-all", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                       "Resource": "*"}]})


log = logging.getLogger(__name__)

def _global_context(region: str) -> dict[str, Any]:
    """Global condition keys every request carries."""
    now = time.time()
    return {
        "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
        "aws:RequestedRegion": region,
        "aws:SecureTransport": "true",  # handler code reaches AWS over HTTPS
    }


def _service_context(service: str, params: dict[str, Any]) -> dict[str, Any]:
    """Service-specific condition keys taken from request parameters (s3:prefix, say)."""
    keys = operations.rules(service).context
    return {key: str(params[name]) for key, name in keys.items() if params.get(name) is not None}


def decide(session: RoleSession, action: str, resource: str, where: Where,
           context: dict[str, Any] | None = None) -> Decision:
    """Evaluate one action on one resource for a role session, with every policy that applies."""
    identity, boundary = role_policies(session.account, session.partition, session.role_name)
    sessions = [parsed("session policy", session.session_policy)] if session.session_policy else []
    document = resource_policy(resource, where) if resource != "*" else None
    resources = [parsed("resource-based policy", document)] if document else []
    request = Request(principal=session.arn, action=action, resource=resource, context=context or {},
                      session_issuer=session.role_arn)
    decision = evaluate(request, identity, resources, boundary, sessions)
    if decision.allowed and resources and _needs_resource_grant(action):
        admitted = _admits(request, resources)
        return decision if admitted.allowed else admitted
    return decision


def _needs_resource_grant(action: str) -> bool:
    """Role trust policies and KMS key policies must themselves allow the caller (or its account)."""
    return action.startswith("sts:AssumeRole") or action.startswith("kms:")


def _admits(request: Request, resources: list) -> Decision:
    """Whether the resource policy has an Allow naming the caller at any level (account, role or session).

    Asked as a cross-account request with an allow-everything identity policy: the evaluator then allows only
    if the resource-based policy allows too, which is exactly the question.
    """
    foreign = replace(request, resource_account="000000000000" if request.account != "000000000000" else "1")
    return evaluate(foreign, [_allow_all()], resources)


def _credential_scope(response: Any) -> list[str]:
    """[access key, date, region, service, aws4_request] from the Authorization header or a presigned URL."""
    header = response.headers.get("Authorization") or ""
    if "Credential=" in header:
        return header.partition("Credential=")[2].partition(",")[0].split("/")
    presigned = response.querystring.get("X-Amz-Credential") or [""]
    return str(presigned[0]).split("/")


def session_of(response: Any) -> tuple[RoleSession | None, list[str]]:
    """The role session that signed the request, if any, and the credential scope."""
    scope = _credential_scope(response)
    if len(scope) < 4:
        return None, scope
    header = response.headers.get("Authorization") or ""
    key = access_key_of(header) if "Credential=" in header else scope[0]
    return role_session(key), scope


def _context(session: RoleSession, service: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The condition keys every check of this request shares: global, service-specific and the role's tags."""
    return {**_global_context(region), **_service_context(service, params), **principal_tags(session)}


def authorize_request(response: Any) -> None:
    """Raise the service's AccessDenied error when the signing role session may not make this request.

    Fails closed: a role session's request that the sandbox cannot evaluate (its parameters unreadable, an
    error in the evaluator) is denied with a message saying so, and logged; it is never let through.
    """
    session, scope = session_of(response)
    if session is None or not settings.active().enforce_iam:
        return
    region, service = scope[2], scope[3]
    try:
        _authorize_session(response, session, region, service)
    except AccessDenied:
        raise
    except Exception as error:  # fail closed: whatever broke, the request is denied, never allowed
        log.error("could not evaluate %s %s for %s; denying it", response.method, response.uri, session.arn,
                  exc_info=True)
        raise denial(service, unevaluated_message(session, service, error)) from error


def unevaluated_message(session: RoleSession, service: str, error: BaseException) -> str:
    """The denial's text when the sandbox could not evaluate a request: what happened and what to do."""
    return (f"User: {session.arn} is not authorized to perform this {service} request: the sandbox could not "
            f"evaluate it against the role's policies ({type(error).__name__}: {error}). This is a fault of the "
            "course's sandbox, not of your policy; run `lambda-course tour` to check the installation.")


def _authorize_session(response: Any, session: RoleSession, region: str, service: str) -> None:
    operation = operation_of(response)
    if operations.action_name(service, operation) in operations.ALWAYS_ALLOWED:
        return
    params = parameters(response, operation)
    where = Where(session.partition, region, session.account, operation)
    context = _context(session, service, region, params)
    for action, resources in checks.required(service, operation, params, where):
        for resource in resources:
            tagged = {**context, **resource_tags(resource, where)} if resource != "*" else context
            decision = decide(session, action, resource, where, tagged)
            if not decision.allowed:
                raise denial(service, message(session, action, resource, decision, service, params))
