"""The one hook into moto's request handling that IAM enforcement uses.

moto calls `ActionAuthenticatorMixin._authenticate_and_authorize_action(self, iam_request_cls, resource)` on
every request before answering it (`BaseResponse.call_action` for most services, S3's handlers for S3), with
`self` the response object holding the request. We wrap it: requests signed by a role session that the
sandbox's STS issued are authorised by `authorize.authorize_request`, which denies what it cannot evaluate;
everything else goes on to moto's own method, which (with moto's default INITIAL_NO_AUTH_ACTION_COUNT) lets the
request through. The hook is declared in `localaws.seams`, which checks it before the sandbox starts.
"""

from __future__ import annotations

from typing import Any

from localaws import seams, settings

HOOK = "moto.core.authorization:ActionAuthenticatorMixin._authenticate_and_authorize_action"


def _hook(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    """Authorise role sessions with our evaluator, then let moto do its own (normally inactive) check."""
    if settings.active().enforce_iam:
        # Imported here, not at the top: the sandbox installs the hook at start, before any request needs it.
        from .authorize import authorize_request

        authorize_request(self)
    seams.original(HOOK)(self, iam_request_cls, resource)


def install() -> None:
    """Wrap moto's authorisation hook (idempotent)."""
    seams.verify()
    if not seams.is_patched(HOOK):
        seams.patch(HOOK, _hook)


def uninstall() -> None:
    """Give moto back its own hook."""
    seams.restore(HOOK)


def installed() -> bool:
    """Whether the hook is in place."""
    return seams.is_patched(HOOK)
