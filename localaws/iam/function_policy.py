"""Whether a service (or the public) may invoke a function: the function's resource-based policy must grant it.

AWS checks the function policy (AddPermission) when S3, SNS, EventBridge, API Gateway or Secrets Manager invokes
a function, with aws:SourceArn (the bucket, topic, rule, execute-api route or secret) and aws:SourceAccount in
the request context, and when anyone calls a function URL whose AuthType is NONE. `invoke_allowed` and
`function_url_denial` are those checks, in one place, for the services that deliver to Lambda to call. On by
default, as on AWS; a notebook can turn them off with `sb.enforce_resource_policies = False`
(`localaws.settings`).

A trigger that targets an alias or version (`my-function:live`) is allowed by a permission added with that
Qualifier, whose statement names the qualified ARN, as well as by one on the function itself
(https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html,
https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html). An explicit Deny in either refuses.
"""

from __future__ import annotations

import logging
from typing import Any

from iampolicy.models import Outcome, Request
from localaws import settings

from .arns import Where
from .identity import parsed
from .resource_policies import resource_policy

log = logging.getLogger(__name__)


def _unqualified(fn: Any) -> str:
    return fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"


def function_policy_decision(fn: Any, principal: str, action: str, context: dict[str, str],
                             qualifier: str | None = None) -> Any:
    """The evaluator's decision on `principal` doing `action` on the function (or on its alias or version
    `qualifier`), by its resource policy alone."""
    from iampolicy.evaluator import evaluate  # loaded by the first trigger, not when the sandbox starts

    arn = _unqualified(fn)
    parts = arn.split(":")
    document = resource_policy(arn, Where(parts[1], parts[3], parts[4]))  # moto keeps every qualifier's there
    policies = [parsed("resource-based policy", document)] if document else []
    whole = evaluate(Request(principal=principal, action=action, resource=arn, context=context),
                     resource_policies=policies)
    if not qualifier or qualifier == "$LATEST" or whole.outcome is Outcome.EXPLICIT_DENY:
        return whole
    qualified = evaluate(Request(principal=principal, action=action, resource=f"{arn}:{qualifier}",
                                 context=context), resource_policies=policies)
    return qualified if qualified.outcome is not Outcome.IMPLICIT_DENY or not whole.allowed else whole


def enforced() -> bool:
    """Whether the function-policy checks are on (they are unless the running sandbox turned them off)."""
    return settings.active().resource_policies_enforced


def invoke_allowed(fn: Any, service_principal: str, source_arn: str, source_account: str,
                   qualifier: str | None = None) -> bool:
    """True when the function's policy lets `service_principal` invoke it (or its alias or version `qualifier`)
    for this source (or checks are off)."""
    if not enforced():
        return True
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account}
    decision = function_policy_decision(fn, service_principal, "lambda:InvokeFunction", context, qualifier)
    if not decision.allowed:
        target = _unqualified(fn) + (f":{qualifier}" if qualifier else "")
        log.warning("%s may not invoke %s for %s: %s. Grant it with lambda add_permission(FunctionName=..., "
                    "Action='lambda:InvokeFunction', Principal=%r, SourceArn=...%s).", service_principal,
                    target, source_arn, decision.explanation, service_principal,
                    f", Qualifier={qualifier!r}" if qualifier else "")
    return decision.allowed


def function_url_denial(fn: Any, auth_type: str) -> str | None:
    """Why the public may not call the function's URL (AuthType NONE), or None when its policy allows it.

    A function URL created since October 2025 needs two grants for principal "*": lambda:InvokeFunctionUrl
    (condition lambda:FunctionUrlAuthType) and lambda:InvokeFunction (condition lambda:InvokedViaFunctionUrl).
    """
    if not enforced():
        return None
    context = {"lambda:FunctionUrlAuthType": auth_type, "lambda:InvokedViaFunctionUrl": "true"}
    missing = [action for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")
               if not function_policy_decision(fn, "anonymous", action, context).allowed]
    if not missing:
        return None
    return (f"the resource-based policy of {fn.function_name} does not allow {' and '.join(missing)} for "
              f"principal '*'. Add both grants: add_permission(FunctionName={fn.function_name!r}, "
              "StatementId='url-public', Action='lambda:InvokeFunctionUrl', Principal='*', "
              "FunctionUrlAuthType='NONE') and add_permission(FunctionName=..., StatementId='url-invoke', "
              "Action='lambda:InvokeFunction', Principal='*', InvokedViaFunctionUrl=True)")


__all__ = ["enforced", "function_policy_decision", "function_url_denial", "invoke_allowed"]
