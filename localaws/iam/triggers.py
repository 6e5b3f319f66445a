"""Whether a service (or the public) may invoke a function: the function's resource-based policy must grant it.

AWS checks the function policy (AddPermission) when S3, SNS, EventBridge or API Gateway invokes a function, with
aws:SourceArn (the bucket, topic, rule or execute-api route) and aws:SourceAccount in the request context, and
when anyone calls a function URL whose AuthType is NONE. `invoke_allowed` and `function_url_decision` are those
checks, in one place; moto's S3 notifications and SNS subscriptions are wrapped here to call the first,
`localaws.eventbridge.delivery` and `localaws.apigateway` call it too. On by default, as on AWS; a notebook can turn
the checks off with `sb.enforce_resource_policies = False`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from localaws import seams
from iampolicy.models import Request
from localaws.runtime import moto_seam

from . import settings
from .arns import Where
from .identity import parsed
from .resource_policies import resource_policy

log = logging.getLogger(__name__)
_S3 = "moto.s3.notifications:_invoke_awslambda"
_SNS = "moto.sns.models:Subscription.publish"
def _unqualified(fn: Any) -> str:
    return fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"


def function_policy_decision(fn: Any, principal: str, action: str, context: dict[str, str]) -> Any:
    """The evaluator's decision on `principal` doing `action` on the function, by its resource policy alone."""
    from iampolicy.evaluator import evaluate  # loaded by the first trigger, not when the sandbox starts

    arn = _unqualified(fn)
    parts = arn.split(":")
    document = resource_policy(arn, Where(parts[1], parts[3], parts[4]))
    policies = [parsed("resource-based policy", document)] if document else []
    request = Request(principal=principal, action=action, resource=arn, context=context)
    return evaluate(request, resource_policies=policies)


def invoke_allowed(fn: Any, service_principal: str, source_arn: str, source_account: str) -> bool:
    """True when the function's policy lets `service_principal` invoke it for this source (or checks are off)."""
    if not settings.enforce_resource_policies():
        return True
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account}
    decision = function_policy_decision(fn, service_principal, "lambda:InvokeFunction", context)
    if not decision.allowed:
        log.warning("%s may not invoke %s for %s: %s. Grant it with lambda add_permission(FunctionName=..., "
                    "Action='lambda:InvokeFunction', Principal=%r, SourceArn=...).", service_principal,
                    _unqualified(fn), source_arn, decision.explanation, service_principal)
    return decision.allowed


def function_url_denial(fn: Any, auth_type: str) -> str | None:
    """Why the public may not call the function's URL (AuthType NONE), or None when its policy allows it.

    A function URL created since October 2025 needs two grants for principal "*": lambda:InvokeFunctionUrl
    (condition lambda:FunctionUrlAuthType) and lambda:InvokeFunction (condition lambda:InvokedViaFunctionUrl).
    """
    if not settings.enforce_resource_policies():
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


def _s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """moto's S3 notification delivery to Lambda, after the function-policy check, as an asynchronous invoke."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.utils import get_backend

    deliver = seams.original(_S3)
    try:
        fn = get_backend(account_id, region_name).get_function(fn_arn)
    except LambdaClientError:  # no such function: moto's own delivery copes with (and swallows) it
        return deliver(account_id, event_body, fn_arn, region_name)
    bucket = event_body["Records"][0]["s3"]["bucket"]["name"]
    if invoke_allowed(fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", account_id):
        with moto_seam.asynchronous_delivery():  # S3 invokes asynchronously: Lambda retries, then its DLQ
            deliver(account_id, event_body, fn_arn, region_name)


def _sns_publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
    """moto's SNS delivery to one subscription, after the function-policy check for Lambda endpoints."""
    deliver = seams.original(_SNS)
    if self.protocol == "lambda" and settings.enforce_resource_policies():
        from moto.awslambda.exceptions import LambdaClientError
        from moto.awslambda.utils import get_backend

        region = self.endpoint.split(":")[3]
        try:
            fn = get_backend(self.account_id, region).get_function(self.endpoint)
        except LambdaClientError:  # no such function: moto's delivery handles it
            fn = None
        if fn is not None and not invoke_allowed(fn, "sns.amazonaws.com", self.topic.arn, self.topic.account_id):
            return None
    if self.protocol == "lambda":
        with moto_seam.asynchronous_delivery():  # SNS invokes asynchronously too
            return deliver(self, message, message_id, *args, **kwargs)
    return deliver(self, message, message_id, *args, **kwargs)


def install() -> None:
    """Wrap moto's S3-to-Lambda and SNS-to-subscriber deliveries (idempotent)."""
    if seams.is_patched(_S3):
        return
    # functools.wraps keeps moto's own code reachable (inspect.unwrap) behind each wrapper
    seams.patch(_S3, functools.wraps(seams.original(_S3))(_s3_invoke))
    seams.patch(_SNS, functools.wraps(seams.original(_SNS))(_sns_publish))


def uninstall() -> None:
    """Give moto back its own delivery functions."""
    seams.restore(_S3)
    seams.restore(_SNS)
