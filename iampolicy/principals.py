"""Who is calling, and whether a Principal or NotPrincipal element names the caller.

A caller is seen as a chain of identities, from the account down to the session: an IAM user is (account,
user); a role session is (account, role, session); a federated-user session is (account, session). A Principal
element names the caller if it names any link; the most specific link decides how the grant combines with the
caller's other policies. A NotPrincipal element exempts the caller only if it names every link, as the IAM User
Guide advises (list the account, the role and the session), since AWS may check each link in turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from .policy import PrincipalMap

ANONYMOUS = "anonymous"


class Grant(IntEnum):
    """How a resource-policy Principal matched the caller, weakest first."""

    ACCOUNT = 1  # names the caller's account: delegates to the account's identity-based policies
    ISSUER = 2  # names the role (or federating IAM user) behind a session: still limited by boundaries
    DIRECT = 3  # names the caller itself (user, session, service) or everyone ("*")


@dataclass(frozen=True)
class Caller:
    """The calling principal, classified from its ARN."""

    arn: str
    kind: str  # user, role_session, federated_user, role, root, service, anonymous, other
    account: str | None
    partition: str = "aws"
    issuer: str | None = None

    @property
    def is_session(self) -> bool:
        """Role sessions and federated-user sessions are session principals."""
        return self.kind in ("role_session", "federated_user")

    @property
    def name(self) -> str | None:
        """The friendly name (user name, or the session name for sessions)."""
        if self.kind in ("user", "role_session", "federated_user", "role"):
            return self.arn.rsplit("/", 1)[-1]
        return None

    def root_arn(self) -> str | None:
        """The account's root ARN, which names the account in a Principal element."""
        return f"arn:{self.partition}:iam::{self.account}:root" if self.account else None

    def chain(self) -> list[set[str]]:
        """The identities that make up the caller, each as the set of AWS-principal strings that name it."""
        links: list[set[str]] = []
        if self.kind in ("user", "role_session", "federated_user", "role", "root") and self.account:
            links.append({self.account, self.root_arn() or ""})
        if self.kind == "role_session" and self.issuer:
            links.append({self.issuer})
        if self.kind in ("user", "role_session", "federated_user", "role"):
            links.append({self.arn})
        return links


def _classify_arn(arn: str, issuer: str | None) -> Caller:
    """Classify an ARN-shaped principal."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return Caller(arn=arn, kind="other", account=None)
    _, partition, service, _, account, resource = parts
    kind = "other"
    if service == "iam" and resource == "root":
        kind = "root"
    elif service == "iam" and resource.startswith("user/"):
        kind = "user"
    elif service == "iam" and resource.startswith("role/"):
        kind = "role"
    elif service == "sts" and resource.startswith("assumed-role/"):
        kind = "role_session"
        if issuer is None and resource.count("/") >= 2:
            issuer = f"arn:{partition}:iam::{account}:role/{resource.split('/')[1]}"
    elif service == "sts" and resource.startswith("federated-user/"):
        kind = "federated_user"
    return Caller(arn=arn, kind=kind, account=account or None, partition=partition, issuer=issuer)


def classify(principal: str, account: str | None = None, issuer: str | None = None) -> Caller:
    """Classify the request's principal string: an ARN, a service principal, or anonymous."""
    if principal in (ANONYMOUS, "*", ""):
        return Caller(arn=ANONYMOUS, kind="anonymous", account=None)
    if principal.startswith("arn:"):
        caller = _classify_arn(principal, issuer)
    elif principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
        caller = Caller(arn=principal, kind="service", account=None)
    else:
        caller = Caller(arn=principal, kind="other", account=None)
    if account is not None and caller.account != account:
        caller = Caller(caller.arn, caller.kind, account, caller.partition, caller.issuer)
    return caller


def _names(values: Iterable[str], names: set[str]) -> bool:
    """True if a principal value list names any of the strings (exact match, no partial wildcards)."""
    return any(v in names for v in values)


def match_principal(element: PrincipalMap, caller: Caller) -> Grant | None:
    """How strongly a Principal element names the caller, or None if it does not."""
    aws = element.get("AWS", ())
    if "*" in element or "*" in aws:
        return Grant.DIRECT
    if caller.kind == "service":
        return Grant.DIRECT if caller.arn in element.get("Service", ()) else None
    if caller.kind == "anonymous":
        return None
    others = [v for kind, values in element.items() if kind not in ("AWS", "Service") for v in values]
    if caller.arn in aws or caller.arn in others:
        return Grant.DIRECT
    if caller.issuer and caller.issuer in aws:
        return Grant.ISSUER
    if caller.account and _names(aws, {caller.account, caller.root_arn() or ""}):
        return Grant.DIRECT if caller.kind == "root" else Grant.ACCOUNT
    return None


def exempted_by_not_principal(element: PrincipalMap, caller: Caller) -> bool:
    """True if a NotPrincipal element lists every link of the caller, so the statement does not apply to it."""
    if caller.kind == "service":
        return caller.arn in element.get("Service", ())
    if caller.kind == "anonymous":
        return "*" in element.get("AWS", ()) or "*" in element
    aws = set(element.get("AWS", ()))
    chain = caller.chain()
    return bool(chain) and all(link & aws for link in chain)
