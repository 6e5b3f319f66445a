"""IAM policy evaluation and validation, held to the IAM User Guide.

`evaluate(Request(...), identity_policies=[...], resource_policies=[...], ...)` returns a Decision (Allow,
ExplicitDeny or ImplicitDeny, the deciding statements and a one-line explanation); `validate(policy,
policy_type="IDENTITY" | "RESOURCE")` returns findings graded like IAM Access Analyzer's policy validation.

The names below are loaded on first use, so that importing `localaws.iam` (when the sandbox starts)
does not load the evaluator and the validator before a request needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluator import evaluate
    from .models import Decision, Finding, Outcome, Request, Severity, StatementRef
    from .policy import Policy
    from .validator import validate

# Each public name and the module that defines it.
_HOMES = {
    "Decision": "models",
    "Finding": "models",
    "Outcome": "models",
    "Policy": "policy",
    "Request": "models",
    "Severity": "models",
    "StatementRef": "models",
    "evaluate": "evaluator",
    "validate": "validator",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for (then cached here)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's own names plus the public ones not loaded yet."""
    return sorted({*globals(), *_HOMES})


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
