"""Lambda's own use of a function's KMS key (KMSKeyArn) for its environment variables, checked at invoke.

On AWS, setting KMSKeyArn makes Lambda create a grant on the key for the function's execution role; at invoke,
Lambda decrypts the variables as that role. The invoke then fails with HTTP 502 before any code runs when the key
cannot be used: KMSNotFoundException (no such key), KMSDisabledException (the key is disabled),
KMSInvalidStateException (the key is pending deletion, say) or KMSAccessDeniedException (a Deny in the key policy
or the role's policies, a key of another account whose key policy does not admit the role, or a role that no longer
exists, so that the grant is void). The grant means the role needs no kms:Decrypt of its own for this step; a
handler that calls KMS itself still does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from localaws.runtime.errors import InvokeError

PREFIX = "Lambda was unable to decrypt the environment variables because"
SUFFIX = "Please check the function's KMS key settings."
STATUS = 502


@dataclass(frozen=True)
class KeyProblem:
    """Why Lambda could not use the function's key: AWS's error code and message."""

    code: str
    message: str


def _kms_error(kind: str, detail: str) -> KeyProblem:
    return KeyProblem("KMSAccessDeniedException",
                      f"{PREFIX} KMS access was denied. {SUFFIX} KMS Exception: {kind}KMS Message: {detail}")


def _key(key_arn: str, fn: Any) -> Any:
    """moto's key for an ARN (key or alias) in the key's own account and region, or None."""
    from moto.kms.models import kms_backends  # moto loads at sandbox start: start-up time

    from localaws.iam.arns import kms_key_id  # IAM's checks load at first use: start-up time

    parts = key_arn.split(":")
    account, region = (parts[4], parts[3]) if len(parts) > 5 else (fn.account_id, fn.region)
    regions = kms_backends[account]
    if region not in regions:  # a region moto does not know holds no key
        return None
    backend = regions[region]
    key_id = kms_key_id(backend, key_arn)  # None for an alias that names no key
    return backend.describe_key(key_id) if key_id is not None and key_id in backend.keys else None


def _session_arn(fn: Any) -> tuple[str, str, str]:
    """The execution role's session for this function, the role's name and its account."""
    role_arn = str(fn.role)
    account, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{fn.function_name}", role_name, account


def _access(fn: Any, key: Any) -> KeyProblem | None:
    """Decide kms:Decrypt for the role session with the key policy, the role's policies and Lambda's grant."""
    from moto.iam.exceptions import NotFoundException  # moto loads at sandbox start: start-up time

    from iampolicy.evaluator import evaluate  # iampolicy loads at first use: start-up time
    from iampolicy.models import Outcome, Request  # iampolicy loads at first use: start-up time
    from localaws.iam.identity import role_policies  # IAM's checks load at first use: start-up time

    session, role_name, account = _session_arn(fn)
    try:
        identity, boundary = role_policies(account, "aws", role_name)
    except NotFoundException:  # the role is gone: the grant names a principal that no longer exists
        return _kms_error("UnrecognizedClientException", "The security token included in the request is invalid.")
    grant = {"Version": "2012-10-17", "Statement": [
        {"Sid": "LambdaGrant", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key.arn}]}
    request = Request(principal=session, action="kms:Decrypt", resource=key.arn)
    decision = evaluate(request, identity_policies=[*identity, ("lambda-grant", grant)],
                        resource_policies=[("key-policy", key.policy)] if key.policy else [])
    if decision.allowed:
        return None
    if decision.outcome is Outcome.EXPLICIT_DENY:
        kinds = {ref.policy_type for ref in decision.statements}
        kind = "a resource-based policy" if "resource-based policy" in kinds else "an identity-based policy"
        why = f"with an explicit deny in {kind}"
    else:
        why = "because no resource-based policy allows the kms:Decrypt action"
    return _kms_error("AccessDeniedException", f"User: {session} is not authorized to perform: kms:Decrypt on "
                                               f"resource: {key.arn} {why}")


def key_problem(fn: Any) -> KeyProblem | None:
    """Why an invoke of `fn` fails on its KMS key, or None when the key is usable (or unset, or has nothing to do)."""
    key_arn = getattr(fn, "kms_key_arn", None)
    if not key_arn or not getattr(fn, "environment_vars", None):
        return None
    key = _key(key_arn, fn)
    if key is None:
        return KeyProblem("KMSNotFoundException", f"{PREFIX} the KMS key was not found. {SUFFIX}")
    if key.key_state == "Disabled":
        return KeyProblem("KMSDisabledException", f"{PREFIX} the KMS key used is disabled. {SUFFIX}")
    if key.key_state != "Enabled":
        return KeyProblem("KMSInvalidStateException",
                          f"{PREFIX} the KMS key used is in an invalid state for Decrypt. {SUFFIX}")
    return _access(fn, key)


def refusal(fn: Any) -> InvokeError | None:
    """The InvokeError Lambda answers a synchronous invoke of `fn` with when its key is unusable, else None."""
    problem = key_problem(fn)
    return None if problem is None else InvokeError(problem.code, problem.message, STATUS)
