"""The condition keys a request leaves out: what IAM's policy simulator reports as MissingContextValues.

A key counts when a statement that could apply to the request (its action and resource match, whatever its
condition says) tests it, and the request neither supplies it nor has it derived from the principal.
"""

from __future__ import annotations

from collections.abc import Iterable

from .context import RequestContext
from .models import Request
from .policy import Policy
from .principals import classify
from .statements import action_matches, resource_matches


def missing_context_keys(request: Request, policies: Iterable[tuple[Policy, bool]]) -> list[str]:
    """Condition keys, as the policies spell them and in order of appearance, that the request does not supply.

    `policies` pairs each policy with whether it is resource-based (its statements may omit Resource).
    """
    context = RequestContext(request.context, classify(request.principal, request.account, request.session_issuer))
    missing: dict[str, str] = {}
    for policy, resource_based in policies:
        for st in policy.statements:
            if not action_matches(st, request.action) or not resource_matches(
                    st, request.resource, context, policy.variables_enabled, required=not resource_based):
                continue
            for block in st.condition.values():
                for key in block:
                    if context.get(key) is None:
                        missing.setdefault(key.lower(), key)
    return list(missing.values())
