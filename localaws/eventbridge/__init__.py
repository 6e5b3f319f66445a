"""EventBridge event patterns: a matcher and validator that agree with the real service, and a moto hook."""

from localaws.eventbridge.errors import InvalidEventPattern
from localaws.eventbridge.patterns import CompiledPattern, compile_pattern, matches
from localaws.eventbridge.validation import validate_pattern

__all__ = ["CompiledPattern", "InvalidEventPattern", "compile_pattern", "matches", "validate_pattern"]
