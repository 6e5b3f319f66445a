"""The one patch to moto for secrets: rotation through a function, stopped by a failing step.

What moto 5.2 does on its own: `RotateSecret` with a `RotationLambdaARN` invokes the function four times
(createSecret, setSecret, testSecret, finishSecret) through `LambdaBackend.invoke`, which the sandbox's runtime
seam already runs for real. What it gets wrong, and this module fixes:
- a step that fails does not stop the rotation, and the new version is made current anyway (AWS stops the
  rotation and keeps the current version);
- `RotateSecret` without an ARN forgets the function configured before (AWS reuses it);
- the finished version keeps its AWSPENDING label, so the next rotation fails as "still in progress" (AWS
  treats AWSPENDING on the AWSCURRENT version as finished);
- Secrets Manager may invoke the function without the function policy allowing `secretsmanager.amazonaws.com`
  (checked here, as on AWS, unless `sb.enforce_resource_policies` is turned off; AccessDeniedException);
- invoking a function whose `KMSKeyArn` Lambda cannot use runs it anyway (AWS answers with HTTP 502 and a
  KMS...Exception before any code runs; see localaws.secrets.envkey). Checked on every invocation path,
  synchronous or not (localaws.runtime.invoke_checks).
(moto also drops `KMSKeyArn` on UpdateFunctionConfiguration; localaws.runtime.moto_seam keeps it.) The
attributes replaced here are declared in `localaws.seams`, which checks them before the sandbox starts.
"""

from __future__ import annotations

import threading
from typing import Any

from localaws import seams

from .envkey import refusal

ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
_ROTATE = "moto.secretsmanager.models:SecretsManagerBackend.rotate_secret"
_INVOKE = "moto.awslambda.models:LambdaBackend.invoke"
_state = threading.local()


class RotationStepFailed(Exception):
    """A rotation step's invocation ended in a function error; the rotation stops there."""


def _access_denied() -> Exception:
    from moto.secretsmanager.exceptions import SecretsManagerClientError  # moto loads at sandbox start: start-up time

    return SecretsManagerClientError(
        "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
        "function policy grants access to the principal secretsmanager.amazonaws.com.")


def _check_invoke_permission(backend: Any, secret: Any, function_arn: str) -> None:
    """AWS refuses the rotation when the function policy does not let Secrets Manager invoke the function."""
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time
    from moto.awslambda.utils import get_backend  # moto loads at sandbox start: start-up time

    from localaws.iam.function_policy import invoke_allowed  # IAM's checks load at first use: start-up time

    try:
        fn = get_backend(backend.account_id, backend.region_name).get_function(function_arn)
    except LambdaClientError:  # no such function: moto's rotation answers with its own ResourceNotFoundException
        return
    if not invoke_allowed(fn, "secretsmanager.amazonaws.com", secret.arn, backend.account_id):
        raise _access_denied()


def _finish(secret: Any) -> None:
    """A finished rotation: AWSPENDING no longer marks the version that became AWSCURRENT."""
    for version in secret.versions.values():
        stages = version["version_stages"]
        if "AWSPENDING" in stages and "AWSCURRENT" in stages:
            stages.remove("AWSPENDING")


def _rotate_secret(self: Any, secret_id: str, client_request_token: str | None = None,
                   rotation_lambda_arn: str | None = None, rotation_rules: dict | None = None,
                   rotate_immediately: bool = True) -> str:
    """moto's rotate_secret, stopped by a failing step, reusing the configured function, permission-checked."""
    secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
    if secret is not None and not rotation_lambda_arn:
        rotation_lambda_arn = getattr(secret, "rotation_lambda_arn", "") or None
    if secret is not None and rotation_lambda_arn:
        _check_invoke_permission(self, secret, rotation_lambda_arn)
    _state.rotating = True
    try:
        result = seams.original(_ROTATE)(self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules,
                                     rotate_immediately)
    except RotationStepFailed:
        if secret is None:  # only a secret that exists has steps to fail
            raise
        return secret.to_short_dict()
    finally:
        _state.rotating = False
    if rotate_immediately:
        _finish(self.secrets[secret_id])
    return result


def _lambda_invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
                   response_headers: Any) -> Any:
    """LambdaBackend.invoke, which raises RotationStepFailed when a rotation step ends in a function error."""
    payload = seams.original(_INVOKE)(self, function_name, qualifier, body, headers, response_headers)
    if getattr(_state, "rotating", False) and response_headers.get("x-amz-function-error"):
        raise RotationStepFailed(payload)
    return payload


def install() -> None:
    """Put the patch in place (idempotent)."""
    from localaws.runtime import moto_seam  # imports the runtime (http.server): start-up time

    if seams.is_patched(_ROTATE):
        return
    seams.verify()
    seams.patch(_ROTATE, _rotate_secret)
    seams.patch(_INVOKE, _lambda_invoke)
    moto_seam.add_invoke_check(refusal)


def uninstall() -> None:
    """Give moto back its own methods."""
    from localaws.runtime import moto_seam  # imports the runtime (http.server): start-up time

    seams.restore(_ROTATE)
    seams.restore(_INVOKE)
    moto_seam.remove_invoke_check(refusal)
