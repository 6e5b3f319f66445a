"""The local AWS's switches, declared in one place: the sandbox installs its own when it starts, IAM reads them.

    sb.enforce_iam = False                # role sessions become unrestricted, like the learner (default True)
    sb.enforce_resource_policies = False  # S3, SNS, EventBridge, API Gateway and function URLs invoke a
                                          # function without its resource-based policy (AddPermission)
                                          # allowing them (default: they need the grant, as on AWS)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Settings:
    """The switches of one sandbox; a fresh object holds the defaults, which are AWS's behaviour."""

    enforce_iam: bool = True
    enforce_resource_policies: bool | None = None  # None: never set, so the checks are on (the default)

    @property
    def resource_policies_enforced(self) -> bool:
        """Whether triggers need the function policy's grant: on unless turned off explicitly."""
        return self.enforce_resource_policies is not False


_lock = threading.Lock()
_active: Settings | None = None


def active() -> Settings:
    """The installed settings (the running sandbox's), or the defaults when none are installed."""
    found = _active
    return found if found is not None else Settings()


def install(settings: Settings) -> None:
    """Make `settings` the ones every check reads from now on (the sandbox does this when it starts)."""
    global _active
    with _lock:
        _active = settings


def uninstall(settings: Settings) -> None:
    """Go back to the defaults, unless other settings have been installed since `settings` were."""
    global _active
    with _lock:
        if _active is settings:
            _active = None


__all__ = ["Settings", "active", "install", "uninstall"]
