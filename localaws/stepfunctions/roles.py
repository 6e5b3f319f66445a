"""A state machine's role: Step Functions must be able to assume it, and it calls Lambda as that role.

Step Functions acts as the IAM role a state machine names (`roleArn`): the role's trust policy must let the service
principal `states.amazonaws.com` (or the regional `states.<region>.amazonaws.com`) assume it, and a Lambda task
invokes its function as a session of that role, so the role needs `lambda:InvokeFunction` on the function
(https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html). The role's policies are
decided by the sandbox's IAM, as for a function's execution role (`localaws.runtime.role_access`).

- CreateStateMachine and UpdateStateMachine refuse a role Step Functions cannot assume with AccessDeniedException,
  in the words Step Functions uses for it ("Neither the global service principal states.amazonaws.com, nor the
  regional one is authorized to assume the provided role.").
- A Lambda task whose role may not invoke the function fails with Lambda's AccessDeniedException. Step Functions
  reports an error of the Lambda client it calls through as `Lambda.AWSLambdaException`, the error named in its
  guide's list of Lambda service exceptions
  (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), with Lambda's sentence
  naming the assumed role as the cause; Retry and Catch see it as they see any task error.

With `sb.enforce_iam = False` both checks let everything through, as for execution roles.
"""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError
from moto.core.exceptions import ServiceException

from localaws.runtime import role_access

LAMBDA_SERVICE_ERROR = "Lambda.AWSLambdaException"
INVOKE = "lambda:InvokeFunction"
CANNOT_ASSUME = ("Neither the global service principal states.amazonaws.com, nor the regional one is authorized to "
                 "assume the provided role.")


class StepFunctionsAccessDenied(ServiceException):
    """What CreateStateMachine and UpdateStateMachine answer for a role Step Functions cannot assume."""

    code = "AccessDeniedException"
    status_code = 400


class RoleMayNotInvoke(ClientError):
    """Lambda refused the task's Invoke: the state machine's role may not invoke the function."""


def principals(region: str) -> tuple[str, str]:
    """The service principals that stand for Step Functions: the global one and the region's own."""
    return "states.amazonaws.com", f"states.{region}.amazonaws.com"


def check_assumable(role_arn: str | None, region: str) -> None:
    """Refuse (StepFunctionsAccessDenied) a role that does not exist or does not trust Step Functions."""
    if role_arn is None:
        return  # UpdateStateMachine without a new role keeps the one already checked
    if not role_access.service_may_assume(role_arn, principals(region)):
        raise StepFunctionsAccessDenied(f"{CANNOT_ASSUME} Role: {role_arn}. Let the role's trust policy allow "
                                        "the principal states.amazonaws.com the action sts:AssumeRole.")


def function_arn(parameters: dict[str, Any], region: str, account: str) -> str:
    """The ARN the Invoke is authorised on: the FunctionName as given (a name, partial or full ARN) and Qualifier."""
    name = str(parameters.get("FunctionName", ""))
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:  # a partial ARN, `<account>:function:<name>`
        arn = f"arn:aws:lambda:{region}:{name}"
    else:
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    qualifier = parameters.get("Qualifier")
    return f"{arn}:{qualifier}" if qualifier and arn.count(":") == 6 else arn


def _refusal(sentence: str) -> RoleMayNotInvoke:
    """Lambda's AccessDeniedException (403) for the Invoke, as botocore raises it."""
    return RoleMayNotInvoke({"Error": {"Code": "AccessDeniedException", "Message": sentence},
                             "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": str(uuid.uuid4())}}, "Invoke")


def cause_of(refusal: RoleMayNotInvoke) -> str:
    """The cause Step Functions reports: Lambda's sentence, with the status, code and request as its SDK frames them."""
    error, metadata = refusal.response["Error"], refusal.response["ResponseMetadata"]
    return (f"{error['Message']} (Service: AWSLambda; Status Code: {metadata['HTTPStatusCode']}; Error Code: "
            f"{error['Code']}; Request ID: {metadata['RequestId']}; Proxy: null)")


class RoleBoundLambda:
    """A Lambda client that invokes only what the state machine's role may invoke (everything else passes through)."""

    def __init__(self, client: Any, role_arn: str | None, region: str) -> None:
        self._client, self._role_arn, self._region = client, role_arn, region

    def invoke(self, **parameters: Any) -> Any:
        """Invoke as the role: refused with Lambda's AccessDeniedException when its policies do not allow it."""
        if not self._role_arn:  # moto always passes the state machine's role; without one nothing is allowed
            raise _refusal(f"User: (no role) is not authorized to perform: {INVOKE}: the state machine names no role")
        account = self._role_arn.split(":")[4]
        session = uuid.uuid4().hex  # Step Functions names its sessions itself; the name says nothing
        target = function_arn(parameters, self._region, account)
        sentence = role_access.role_denial(self._role_arn, session, INVOKE, target)
        if sentence is not None:
            raise _refusal(sentence)
        return self._client.invoke(**parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


__all__ = ["CANNOT_ASSUME", "LAMBDA_SERVICE_ERROR", "RoleBoundLambda", "RoleMayNotInvoke",
           "StepFunctionsAccessDenied", "cause_of", "check_assumable", "function_arn", "principals"]
