"""Who signed a request: the role session behind an access key that the sandbox's STS issued, and its policies."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from iampolicy.policy import to_policies

if TYPE_CHECKING:
    from iampolicy.policy import Policy

_sessions: dict[str, RoleSession] = {}
_lock = threading.Lock()
_parsed: dict[tuple[str, str], Policy] = {}


@dataclass(frozen=True)
class RoleSession:
    """An assumed-role session: its ARN, the role behind it and where it lives."""

    arn: str
    role_arn: str
    role_name: str
    account: str
    partition: str
    session_policy: str = ""


def access_key_of(authorization: str) -> str | None:
    """The access key ID in a SigV4 Authorization header (or a presigned URL's credential)."""
    scope = authorization.partition("Credential=")[2].partition(",")[0]
    return scope.split("/")[0] if scope else None


def role_session(access_key: str | None, partition: str = "aws") -> RoleSession | None:
    """The role session that owns an access key, or None for any other key (the learner's own, say)."""
    if not access_key or not access_key.startswith("ASIA"):
        return None
    with _lock:
        if access_key in _sessions:
            return _sessions[access_key]

    for account, by_partition in list(sts_backends.items()):
        backend = by_partition.get(partition) if hasattr(by_partition, "get") else None
        for assumed in list(getattr(backend, "assumed_roles", [])):
            if assumed.access_key_id == access_key:
                found = RoleSession(arn=assumed.arn, role_arn=assumed.role_arn,
                                    role_name=assumed.role_arn.rsplit("/", 1)[-1], account=account,
                                    partition=partition, session_policy=assumed.policy or "")
                with _lock:
                    _sessions[access_key] = found
                return found
    return None


def forget_sessions() -> None:
    """Drop the cache of known sessions (after a reset of the sandbox)."""
    with _lock:
        _sessions.clear()
        _parsed.clear()


def parsed(name: str, document: Any) -> Policy:
    """A policy parsed once per (name, text), since the same role decides many requests."""
    text = document if isinstance(document, str) else json.dumps(document)
    key = (name, text)
    policy = _parsed.get(key)
    if policy is None:
        policy = to_policies([(name, text)], "identity")[0]
        _parsed[key] = policy
    return policy


def _managed_document(iam: Any, arn: str) -> str | None:
    try:
        policy = iam.get_policy(arn)
    except NotFoundException:  # a boundary or attachment naming a policy that no longer exists grants nothing
        return None
    for version in policy.versions:
        if version.version_id == policy.default_version_id:
            return version.document
    return None


def role_policies(account: str, partition: str, role_name: str) -> tuple[list[Policy], list[Policy]]:
    """The role's identity-based policies (inline and attached managed) and its permissions boundary."""
    iam = iam_backends[account][partition]
    role = iam.get_role(role_name)
    identity = [parsed(name, doc) for name, doc in role.policies.items()]
    for arn, managed in role.managed_policies.items():
        document = _managed_document(iam, arn)
        if document:
            identity.append(parsed(managed.name, document))
    boundary: list[Policy] = []
    if role.permissions_boundary_arn:
        document = _managed_document(iam, role.permissions_boundary_arn)
        name = role.permissions_boundary_arn.rsplit("/", 1)[-1]
        boundary = [parsed(name, document if document else {"Version": "2012-10-17", "Statement": []})]
    return identity, boundary
