"""Lambda function URLs: every request goes to the function with a payload format 2.0 event.

Who may call is decided first, as Lambda decides it. AuthType NONE: the function's resource-based policy must
grant the public (principal "*") lambda:InvokeFunctionUrl and lambda:InvokeFunction. AuthType AWS_IAM: the
request must carry a valid SigV4 signature for `lambda` by an identity the sandbox knows, and an execution
role's session also needs those two actions allowed by its policies. Either refusal is a 403.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from localaws import settings
from localaws.apigateway import events, integrations, lookup, sigv4
from localaws.apigateway.messages import FUNCTION_URL_FAILURES, HttpRequest, HttpResponse, gateway_error

log = logging.getLogger(__name__)
_MARGIN_S = 5.0  # the function's own timeout ends it first; this only guards against a stuck sandbox
_ACTIONS = ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")


def handle(runtime: Any, name: str, request: HttpRequest) -> HttpResponse:
    """Answer one request to `/lambda-url/<name><request.path>`."""
    fn = lookup.function_with_url(name)
    if fn is None:
        return gateway_error(404, "Not Found", "Message", reason=f"function {name} has no function URL")
    config = fn.url_config
    refusal = _refusal(fn, config.config.get("AuthType", "NONE"), request)
    if refusal is not None:
        log.warning("The function URL of %s answered 403: %s.", name, refusal)
        return gateway_error(403, "Forbidden", "Message", reason=refusal)
    domain = urlsplit(config.url).hostname or ""
    target = events.Target(domain.split(".")[0], "$default", "$default", domain_name=domain,
                           account_id=fn.account_id)
    authorizer = _iam_caller(fn, request) if config.config.get("AuthType") == "AWS_IAM" else None
    event = events.function_url_event(request, target, authorizer)
    response = integrations.call_lambda(
        runtime, fn.function_arn, event, "2.0", float(fn.timeout) + _MARGIN_S, FUNCTION_URL_FAILURES
    )
    response.headers.append(("x-amzn-RequestId", request.request_id))
    return response


def _iam_caller(fn: Any, request: HttpRequest) -> dict[str, Any]:
    """`requestContext.authorizer` of an AWS_IAM function URL: who signed the request, as STS knows them."""
    from moto.sts.models import sts_backends  # moto loads at sandbox start: start-up time

    signed = sigv4.parse(request.header("authorization") or "")
    access_key = signed.access_key if signed else ""
    user_id, arn, account = sts_backends[fn.account_id]["aws"].get_caller_identity(access_key, fn.region)
    return {"iam": {"accessKey": access_key, "accountId": account, "callerId": user_id, "cognitoIdentity": None,
                    "principalOrgId": None, "userArn": arn, "userId": user_id}}


def _refusal(fn: Any, auth_type: str, request: HttpRequest) -> str | None:
    """Why Lambda refuses this caller, or None when it may call the URL."""
    from localaws.iam.function_policy import function_url_denial  # IAM's checks load at first use: start-up time

    if auth_type != "AWS_IAM":
        return function_url_denial(fn, auth_type)
    query = f"?{request.raw_query}" if request.raw_query else ""
    problem = sigv4.problem(request, f"http://{request.host}{request.url_path or request.path}{query}")
    if problem is not None:
        return f"the function URL's AuthType is AWS_IAM and {problem}; sign with SigV4 for 'lambda', or use NONE"
    return _role_denial(fn, sigv4.parse(request.header("authorization") or ""))


def _role_denial(fn: Any, signed: sigv4.Signed | None) -> str | None:
    """For a request signed by an execution role's session: why its policies refuse the call, else None."""
    from localaws.iam.arns import Where  # IAM's checks load at first use: start-up time
    from localaws.iam.authorize import decide  # IAM's checks load at first use: start-up time
    from localaws.iam.identity import role_session  # IAM's checks load at first use: start-up time

    session = role_session(signed.access_key if signed else None)
    if session is None or not settings.active().enforce_iam:
        return None  # the learner's own key is never restricted
    arn = fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"
    where = Where(session.partition, fn.region, session.account)
    for action in _ACTIONS:
        decision = decide(session, action, arn, where, {"lambda:FunctionUrlAuthType": "AWS_IAM"})
        if not decision.allowed:
            return f"{session.arn} may not perform {action} on {arn}: {decision.explanation}"
    return None
