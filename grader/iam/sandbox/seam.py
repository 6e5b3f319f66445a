"""The one hook into moto's request handling that IAM enforcement uses, pinned to the moto it was written for.

moto 5.2 calls `ActionAuthenticatorMixin._authenticate_and_authorize_action(self, iam_request_cls, resource)`
on every request before answering it (`BaseResponse.call_action` for most services, S3's handlers for S3),
with `self` the response object holding the request. We wrap it: requests signed by a role session that the
sandbox's STS issued are authorised by `authorize.authorize_request`; everything else goes on to moto's own
method, which (with moto's default INITIAL_NO_AUTH_ACTION_COUNT) lets the request through.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from . import settings

log = logging.getLogger(__name__)

SUPPORTED_MOTO = "5.2."
_original: dict[str, Any] = {}


def check_moto() -> None:
    """Fail with a clear RuntimeError unless moto has the hook, with the signature, that we wrap."""
    import moto
    from moto.core.authorization import ActionAuthenticatorMixin

    if not moto.__version__.startswith(SUPPORTED_MOTO):
        raise RuntimeError(f"grader.iam.sandbox hooks into moto {SUPPORTED_MOTO}x but moto {moto.__version__} is "
                           "installed; install the version pinned in pyproject.toml.")
    hook = _original.get("hook", getattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", None))
    if hook is None:
        raise RuntimeError("moto's ActionAuthenticatorMixin._authenticate_and_authorize_action is gone; "
                           "update grader.iam.sandbox.seam.")
    params = list(inspect.signature(hook).parameters)
    if params[:3] != ["self", "iam_request_cls", "resource"]:
        raise RuntimeError(f"moto's request authorisation hook now takes {params}; update grader.iam.sandbox.seam.")


def _hook(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    """Authorise role sessions with our evaluator, then let moto do its own (normally inactive) check."""
    if settings.enforce_iam():
        _authorize(self)
    _original["hook"](self, iam_request_cls, resource)


def _authorize(response: Any) -> None:
    """Raise AccessDenied for a denied role session; any other failure lets the request through."""
    # Imported here, not at the top: the sandbox installs the hook at start, before any request needs them.
    from .authorize import authorize_request
    from .denials import AccessDenied

    try:
        authorize_request(response)
    except AccessDenied:
        raise
    except Exception:  # a request our table cannot read must not become a 500: let moto answer it
        log.warning("could not authorise %s %s; allowing it", response.method, response.uri, exc_info=True)


def install() -> None:
    """Wrap moto's authorisation hook (idempotent)."""
    from moto.core.authorization import ActionAuthenticatorMixin

    check_moto()
    if not _original:
        _original["hook"] = ActionAuthenticatorMixin._authenticate_and_authorize_action
        ActionAuthenticatorMixin._authenticate_and_authorize_action = _hook  # type: ignore[method-assign]


def uninstall() -> None:
    """Give moto back its own hook."""
    from moto.core.authorization import ActionAuthenticatorMixin

    if _original:
        ActionAuthenticatorMixin._authenticate_and_authorize_action = _original.pop("hook")  # type: ignore


def installed() -> bool:
    """Whether the hook is in place."""
    return bool(_original)
