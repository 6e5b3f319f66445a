"""Whether a function's execution role may do something Lambda does on the function's behalf.

Lambda acts as the execution role when it reads an SQS queue for an event source mapping and when it sends an
asynchronous invocation's record to a destination or a dead-letter queue; it needs the role's permission for
each, decided with the role's policies, its permissions boundary and the resource's own policy, as for any call
the role makes (localaws.iam.authorize). With `sb.enforce_iam = False` every such step is allowed.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
"""

from __future__ import annotations

from typing import Any

from localaws import settings


def session_arn(fn: Any) -> str:
    """The ARN of the execution role's session for this function (the principal Lambda acts as)."""
    role_arn = str(fn.role)
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{fn.function_name}"


def allowed(fn: Any, action: str, resource: str) -> bool:
    """Whether the execution role of `fn` may perform `action` on `resource` (an ARN); a missing role may not."""
    from moto.iam.exceptions import NotFoundException  # moto loads at sandbox start: start-up time

    from localaws.iam.arns import Where  # IAM's checks load at first use: start-up time
    from localaws.iam.authorize import decide  # IAM's checks load at first use: start-up time
    from localaws.iam.identity import RoleSession  # IAM's checks load at first use: start-up time

    if not settings.active().enforce_iam:
        return True
    role_arn = str(fn.role)
    partition, account = role_arn.split(":")[1], role_arn.split(":")[4]
    session = RoleSession(arn=session_arn(fn), role_arn=role_arn, role_name=role_arn.rsplit("/", 1)[-1],
                          account=account, partition=partition)
    parts = resource.split(":")
    try:
        return decide(session, action, resource, Where(parts[1], parts[3], parts[4])).allowed
    except NotFoundException:  # the role was deleted: it can do nothing
        return False


__all__ = ["allowed", "session_arn"]
