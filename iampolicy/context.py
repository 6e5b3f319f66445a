"""The request context: condition keys looked up case-insensitively, with the principal keys AWS derives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .principals import Caller

_PRINCIPAL_TYPES = {
    "user": "User",
    "role_session": "AssumedRole",
    "federated_user": "FederatedUser",
    "root": "Account",
    "anonymous": "Anonymous",
}


def _values(value: Any) -> tuple[Any, ...] | None:
    """A context value as a tuple; a list is a multi-valued key, None means the key is absent."""
    if value is None:
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(value)
    return (value,)


def _principal_arn(caller: Caller) -> str | None:
    """aws:PrincipalArn: the role ARN for a role session, otherwise the caller's own ARN."""
    if caller.kind == "role_session":
        return caller.issuer
    if caller.kind in ("user", "federated_user", "role", "root"):
        return caller.arn
    return None


def derived_keys(caller: Caller) -> dict[str, Any]:
    """Global keys AWS fills in from the principal, when the request does not give them itself."""
    keys: dict[str, Any] = {
        "aws:principalarn": _principal_arn(caller),
        "aws:principalaccount": caller.account,
        "aws:principaltype": _PRINCIPAL_TYPES.get(caller.kind),
        "aws:principalisawsservice": "true" if caller.kind == "service" else "false",
    }
    if caller.kind == "user":
        keys["aws:username"] = caller.name
    if caller.kind == "service":
        keys["aws:principalservicename"] = caller.arn
    return {k: v for k, v in keys.items() if v is not None}


class RequestContext:
    """Condition keys of one request; key names are case-insensitive, values keep their case."""

    def __init__(self, given: Mapping[str, Any], caller: Caller) -> None:
        merged = derived_keys(caller)
        merged.update({str(k).lower(): v for k, v in given.items()})
        self._keys = {k: vals for k, v in merged.items() if (vals := _values(v)) is not None}

    def get(self, key: str) -> tuple[Any, ...] | None:
        """All values of a key, or None if the request does not carry it."""
        return self._keys.get(key.lower())

    def single(self, key: str) -> str | None:
        """The value of a single-valued key as policy text (for policy variables), or None."""
        values = self.get(key)
        if values is None or len(values) != 1:
            return None
        return text_of(values[0])


def text_of(value: Any) -> str:
    """A JSON scalar as IAM compares it: booleans as lower-case words, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
