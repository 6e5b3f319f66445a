"""Switches read from the running sandbox, so a notebook or test can flip them on `sb` itself.

    sb.enforce_iam = False                # role sessions become unrestricted, like the learner (default True)
    sb.enforce_resource_policies = False  # S3, SNS, EventBridge, API Gateway and function URLs invoke a
                                          # function without its resource-based policy (AddPermission)
                                          # allowing them (default True: they need the grant, as on AWS)
"""

from __future__ import annotations


def _flag(name: str, default: bool) -> bool:
    from localaws import sandbox

    running = sandbox.current()
    return bool(getattr(running, name, default)) if running is not None else default


def enforce_iam() -> bool:
    """Whether calls signed by execution roles are authorised (on unless the sandbox turns it off)."""
    return _flag("enforce_iam", True)


def enforce_resource_policies() -> bool:
    """Whether the sandbox's triggers need a function-policy grant to invoke, as on AWS (on unless turned off)."""
    return _flag("enforce_resource_policies", True)
