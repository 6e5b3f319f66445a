"""Whether a function's execution role may do something Lambda does on the function's behalf.

Lambda acts as the execution role when it reads an SQS queue for an event source mapping and when it sends an
asynchronous invocation's record to a destination or a dead-letter queue; it needs the role's permission for
each, decided with the role's policies, its permissions boundary and the resource's own policy, as for any call
the role makes (localaws.iam.authorize). Other services that act as a role of yours (Step Functions, as its state
machine's role) ask the same question with `role_denial`. With `sb.enforce_iam = False` every such step is allowed.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
"""

from __future__ import annotations

from typing import Any

from localaws import settings


def session_arn(fn: Any) -> str:
    """The ARN of the execution role's session for this function (the principal Lambda acts as)."""
    return role_session_arn(str(fn.role), fn.function_name)


def role_session_arn(role_arn: str, session_name: str) -> str:
    """The ARN of a session of `role_arn` named `session_name` (`arn:aws:sts::<account>:assumed-role/<role>/<name>`)."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{session_name}"


def allowed(fn: Any, action: str, resource: str) -> bool:
    """Whether the execution role of `fn` may perform `action` on `resource` (an ARN); a missing role may not."""
    return role_denial(str(fn.role), fn.function_name, action, resource) is None


def role_denial(role_arn: str, session_name: str, action: str, resource: str, service: str = "lambda") -> str | None:
    """None when a session of `role_arn` may perform `action` on `resource`; else AWS's AccessDenied sentence.

    The same decision as for an execution role (identity policies, permissions boundary, the resource's own policy),
    for any role a service assumes: a Step Functions state machine's role, say. `service` words the sentence as that
    service's denials read. With `sb.enforce_iam = False` everything is allowed; a role that does not exist may do
    nothing.
    """
    from moto.iam.exceptions import NotFoundException  # moto loads at sandbox start: start-up time

    from localaws.iam.arns import Where  # IAM's checks load at first use: start-up time
    from localaws.iam.authorize import decide  # IAM's checks load at first use: start-up time
    from localaws.iam.denials import message  # IAM's checks load at first use: start-up time
    from localaws.iam.identity import RoleSession  # IAM's checks load at first use: start-up time

    if not settings.active().enforce_iam:
        return None
    partition, account = role_arn.split(":")[1], role_arn.split(":")[4]
    session = RoleSession(arn=role_session_arn(role_arn, session_name), role_arn=role_arn,
                          role_name=role_arn.rsplit("/", 1)[-1], account=account, partition=partition)
    parts = resource.split(":")
    try:
        decision = decide(session, action, resource, Where(parts[1], parts[3], parts[4]))
    except NotFoundException:  # the role was deleted (or never created): it can do nothing
        return (f"User: {session.arn} is not authorized to perform: {action} on resource: {resource} because the "
                f"role {role_arn} does not exist")
    return None if decision.allowed else message(session, action, resource, decision, service)


def service_may_assume(role_arn: str, principals: tuple[str, ...]) -> bool:
    """Whether the role exists and its trust policy lets one of the service `principals` call sts:AssumeRole.

    With `sb.enforce_iam = False` any role may be assumed, existing or not.
    """
    from iampolicy.evaluator import evaluate  # IAM's checks load at first use: start-up time
    from iampolicy.models import Request  # IAM's checks load at first use: start-up time
    from localaws.iam.arns import Where  # IAM's checks load at first use: start-up time
    from localaws.iam.identity import parsed  # IAM's checks load at first use: start-up time
    from localaws.iam.resource_policies import resource_policy  # IAM's checks load at first use: start-up time

    if not settings.active().enforce_iam:
        return True
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return False
    trust = resource_policy(role_arn, Where(parts[1], "", parts[4]))  # None: no such role
    if trust is None:
        return False
    policies = [parsed("resource-based policy", trust)]
    return any(evaluate(Request(principal=principal, action="sts:AssumeRole", resource=role_arn),
                        resource_policies=policies).allowed for principal in principals)


__all__ = ["allowed", "role_denial", "role_session_arn", "service_may_assume", "session_arn"]
