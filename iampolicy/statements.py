"""Whether one statement applies to a request: its Action/NotAction, Resource/NotResource, Principal/NotPrincipal
and Condition elements, each tested as the IAM JSON policy element reference describes."""

from __future__ import annotations

from .conditions import evaluate_condition
from .context import RequestContext
from .policy import Policy, Statement
from .principals import Caller, Grant, exempted_by_not_principal, match_principal
from .variables import substitute
from .wildcards import any_glob_match, resource_pieces_match


def action_matches(statement: Statement, action: str) -> bool:
    """Action names and their wildcards compare case-insensitively; NotAction matches everything not listed."""
    if statement.actions is not None:
        return any_glob_match(statement.actions, action, ignore_case=True)
    if statement.not_actions is not None:
        return not any_glob_match(statement.not_actions, action, ignore_case=True)
    return False


def _any_resource(patterns: tuple[str, ...], resource: str, context: RequestContext, variables: bool) -> bool:
    """True if a pattern (after variable substitution) matches; a pattern whose variable has no value never does."""
    for pattern in patterns:
        pieces = substitute(pattern, context, variables)
        if pieces is not None and resource_pieces_match(pieces, resource):
            return True
    return False


def resource_matches(
    statement: Statement, resource: str, context: RequestContext, variables: bool, required: bool = True
) -> bool:
    """Resource ARNs compare case-sensitively with wildcards; with neither element, match only if not required."""
    if statement.resources is not None:
        return _any_resource(statement.resources, resource, context, variables)
    if statement.not_resources is not None:
        return not _any_resource(statement.not_resources, resource, context, variables)
    return not required


def principal_grant(statement: Statement, caller: Caller) -> Grant | None:
    """For a resource-based statement: how it names the caller (NotPrincipal names everyone not exempted)."""
    if statement.principal is not None:
        return match_principal(statement.principal, caller)
    if statement.not_principal is not None:
        return None if exempted_by_not_principal(statement.not_principal, caller) else Grant.DIRECT
    return None


def applies(statement: Statement, policy: Policy, action: str, resource: str, context: RequestContext,
            resource_based: bool = False) -> bool:
    """Action, resource and condition all match (the principal is checked separately for resource policies)."""
    return (
        action_matches(statement, action)
        and resource_matches(statement, resource, context, policy.variables_enabled, required=not resource_based)
        and evaluate_condition(statement.condition, context, policy.variables_enabled)
    )
