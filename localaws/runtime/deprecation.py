"""Lambda's runtime deprecation policy at the control plane: no new functions, then no updates, on an old runtime.

botocore's model still lists runtimes Lambda no longer takes (python2.7, python3.6, ...). After a runtime's
block-create date CreateFunction refuses it, and after its block-update date any UpdateFunctionConfiguration of a
function on it is refused, with an InvalidParameterValueException that names a supported runtime to use instead.
The dates are those of `localaws/data/runtimes.toml`, judged on its as-of date so that a test gives the same
answer on any day.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html
"""

from __future__ import annotations

from localaws.facts import deprecations
from localaws.runtime.refusal import Refusal


def _message(runtime: str, recommended: str) -> str:
    """Lambda's words for a runtime it no longer takes."""
    return (f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use the new runtime ({recommended}) while creating or updating functions.")


def create_refusal(runtime: str | None) -> Refusal | None:
    """CreateFunction on a runtime whose block-create date has passed, refused; else None."""
    found = deprecations().get(runtime or "")
    if found is None or found.block_create > found.as_of:
        return None
    return Refusal("InvalidParameterValueException", _message(found.runtime, found.recommended))


def update_refusal(runtime: str | None) -> Refusal | None:
    """An update of a function whose runtime (after the update) has passed its block-update date; else None."""
    found = deprecations().get(runtime or "")
    if found is None or found.block_update > found.as_of:
        return None
    return Refusal("InvalidParameterValueException", _message(found.runtime, found.recommended))


__all__ = ["create_refusal", "update_refusal"]
