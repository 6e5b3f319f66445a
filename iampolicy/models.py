"""Data types shared by the evaluator and the validator: the request, the decision and the findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """The three results of IAM policy evaluation."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Request:
    """One authorisation request: who asks to do which action on which resource, with its context keys.

    `principal` is an ARN (IAM user, assumed-role session, federated-user session, account root), a service
    principal such as `lambda.amazonaws.com`, or `"anonymous"`. `session_issuer` is the ARN of the IAM role (with
    its path) behind a role session, or of the IAM user who called GetFederationToken; for role sessions it
    defaults to the role ARN without a path. Accounts default to the ones written in the ARNs; a resource ARN
    without an account (an S3 bucket, say) is taken to be in the principal's account.
    """

    principal: str
    action: str
    resource: str = "*"
    context: Mapping[str, Any] = field(default_factory=dict)
    account: str | None = None
    resource_account: str | None = None
    session_issuer: str | None = None


@dataclass(frozen=True)
class StatementRef:
    """Points at one statement: the policy it belongs to, its kind, its Sid (or index) and its effect."""

    policy: str
    policy_type: str
    sid: str | None
    index: int
    effect: str

    @property
    def label(self) -> str:
        """Policy name and Sid (or statement index) as a learner would look them up."""
        name = self.sid if self.sid else f"#{self.index}"
        return f"{self.policy} / {name}"

    def __str__(self) -> str:
        return f"{self.label} ({self.policy_type}, {self.effect})"


@dataclass(frozen=True)
class Decision:
    """The evaluation result, the statements that decided it, and a one-line explanation."""

    outcome: Outcome
    statements: tuple[StatementRef, ...]
    explanation: str

    @property
    def allowed(self) -> bool:
        """True only for an Allow."""
        return self.outcome is Outcome.ALLOW

    def __str__(self) -> str:
        return f"{self.outcome.value}: {self.explanation}"


class Severity(StrEnum):
    """Finding grades, in the order IAM Access Analyzer's policy validation uses."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One validator finding: its grade, a stable code, a message and where in the policy it points."""

    severity: Severity
    code: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.severity.value} {self.code}{where}: {self.message}"
