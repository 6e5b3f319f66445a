"""Switches read from the running sandbox, so a notebook or test can flip them on `sb` itself.

    sb.enforce_iam = False                # role sessions become unrestricted, like the learner (default True)
    sb.enforce_resource_policies = True   # S3, SNS and EventBridge may invoke a function only if its
                                          # resource-based policy (AddPermission) allows them (default False)
"""

from __future__ import annotations


def _flag(name: str, default: bool) -> bool:
    from grader import sandbox

    running = sandbox.current()
    return bool(getattr(running, name, default)) if running is not None else default


def enforce_iam() -> bool:
    """Whether calls signed by execution roles are authorised (on unless the sandbox turns it off)."""
    return _flag("enforce_iam", True)


def enforce_resource_policies() -> bool:
    """Whether the sandbox's own triggers need a function-policy grant to invoke (off unless turned on)."""
    return _flag("enforce_resource_policies", False)
