"""IAM policy evaluation and validation, held to the IAM User Guide.

`evaluate(Request(...), identity_policies=[...], resource_policies=[...], ...)` returns a Decision (Allow,
ExplicitDeny or ImplicitDeny, the deciding statements and a one-line explanation); `validate(policy,
policy_type="IDENTITY" | "RESOURCE")` returns findings graded like IAM Access Analyzer's policy validation.
"""

from .evaluator import evaluate
from .models import Decision, Finding, Outcome, Request, Severity, StatementRef
from .policy import Policy
from .validator import validate

__all__ = [
    "Decision",
    "Finding",
    "Outcome",
    "Policy",
    "Request",
    "Severity",
    "StatementRef",
    "evaluate",
    "validate",
]
