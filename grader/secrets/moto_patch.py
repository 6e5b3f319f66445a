"""The one patch to moto for secrets, pinned to moto 5.2: rotation through a function, and KMSKeyArn updates.

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
- `UpdateFunctionConfiguration` drops `KMSKeyArn`, the key that encrypts a function's environment;
- invoking a function whose `KMSKeyArn` Lambda cannot use runs it anyway (AWS answers with HTTP 502 and a
  KMS...Exception before any code runs; see grader.secrets.envkey). Checked on the Invoke API's
  RequestResponse path.
"""

from __future__ import annotations

import threading
from typing import Any

SUPPORTED_MOTO = "5.2."
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
_original: dict[str, Any] = {}
_state = threading.local()


class SeamError(RuntimeError):
    """moto no longer looks the way this patch expects."""


class RotationStepFailed(Exception):
    """A rotation step's invocation ended in a function error; the rotation stops there."""


def check_moto() -> None:
    """Fail loudly unless moto is the version, with the methods and parameters, this patch was written for."""
    import inspect

    import moto
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.secretsmanager.models import SecretsManagerBackend

    if not moto.__version__.startswith(SUPPORTED_MOTO):
        raise SeamError(f"grader.secrets patches moto {SUPPORTED_MOTO}x, not moto {moto.__version__}.")
    rotate = inspect.signature(_original.get("rotate", SecretsManagerBackend.rotate_secret)).parameters
    if list(rotate)[:6] != ["self", "secret_id", "client_request_token", "rotation_lambda_arn",
                            "rotation_rules", "rotate_immediately"]:
        raise SeamError(f"moto's rotate_secret now takes {list(rotate)}; update grader.secrets.moto_patch.")
    invoke = inspect.signature(_original.get("invoke", LambdaBackend.invoke)).parameters
    if list(invoke) != ["self", "function_name", "qualifier", "body", "headers", "response_headers"]:
        raise SeamError(f"moto's LambdaBackend.invoke now takes {list(invoke)}; update grader.secrets.moto_patch.")
    if "lambda_backend.invoke" not in inspect.getsource(_original.get("rotate", SecretsManagerBackend.rotate_secret)):
        raise SeamError("moto's rotate_secret no longer invokes the rotation function; update the patch.")
    if not hasattr(LambdaFunction, "update_configuration"):
        raise SeamError("moto's LambdaFunction.update_configuration is gone; update grader.secrets.moto_patch.")


def _access_denied() -> Exception:
    from moto.secretsmanager.exceptions import SecretsManagerClientError

    return SecretsManagerClientError(
        "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
        "function policy grants access to the principal secretsmanager.amazonaws.com.")


def _check_invoke_permission(backend: Any, secret: Any, function_arn: str) -> None:
    """AWS refuses the rotation when the function policy does not let Secrets Manager invoke the function."""
    from moto.awslambda.utils import get_backend

    from grader.iam.sandbox.triggers import invoke_allowed

    try:
        fn = get_backend(backend.account_id, backend.region_name).get_function(function_arn)
    except Exception:
        return  # moto answers a missing function with its own ResourceNotFoundException
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
        result = _original["rotate"](self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules,
                                     rotate_immediately)
    except RotationStepFailed:
        return secret.to_short_dict()
    finally:
        _state.rotating = False
    if rotate_immediately:
        _finish(self.secrets[secret_id])
    return result


def _lambda_invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
                   response_headers: Any) -> Any:
    """LambdaBackend.invoke, which raises RotationStepFailed when a rotation step ends in a function error."""
    payload = _original["invoke"](self, function_name, qualifier, body, headers, response_headers)
    if getattr(_state, "rotating", False) and response_headers.get("x-amz-function-error"):
        raise RotationStepFailed(payload)
    return payload


def _update_configuration(self: Any, config_updates: dict[str, Any]) -> Any:
    """LambdaFunction.update_configuration, keeping KMSKeyArn (an empty string removes it, as in AWS)."""
    if "KMSKeyArn" in config_updates:
        self.kms_key_arn = config_updates["KMSKeyArn"] or None
    return _original["update"](self, config_updates)


def install() -> None:
    """Put the patch in place (idempotent)."""
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.secretsmanager.models import SecretsManagerBackend

    from grader.runtime import moto_seam

    from .envkey import refusal

    if _original:
        return
    check_moto()
    _original["rotate"] = SecretsManagerBackend.rotate_secret
    _original["invoke"] = LambdaBackend.invoke
    _original["update"] = LambdaFunction.update_configuration
    SecretsManagerBackend.rotate_secret = _rotate_secret  # type: ignore[method-assign]
    LambdaBackend.invoke = _lambda_invoke  # type: ignore[method-assign]
    LambdaFunction.update_configuration = _update_configuration  # type: ignore[method-assign]
    moto_seam.add_invoke_check(refusal)


def uninstall() -> None:
    """Give moto back its own methods."""
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.secretsmanager.models import SecretsManagerBackend

    from grader.runtime import moto_seam

    from .envkey import refusal

    if _original:
        SecretsManagerBackend.rotate_secret = _original.pop("rotate")  # type: ignore[method-assign]
        LambdaBackend.invoke = _original.pop("invoke")  # type: ignore[method-assign]
        LambdaFunction.update_configuration = _original.pop("update")  # type: ignore[method-assign]
        moto_seam.remove_invoke_check(refusal)
