"""The AppSpec of a Lambda deployment: which alias of which function moves from which version to which.

https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
(an AWS Lambda deployment's `resources` section names the function, its alias, and its current and target
versions; the content may be YAML or JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cfnlint.decode import cfn_yaml

LAMBDA_TYPE = "AWS::Lambda::Function"
_FIELDS = ("Name", "Alias", "CurrentVersion", "TargetVersion")


class InvalidAppSpec(ValueError):
    """AppSpec content a Lambda deployment cannot use; the message says what to fix."""


@dataclass(frozen=True)
class LambdaAppSpec:
    """The one function resource of a Lambda AppSpec."""

    function: str
    alias: str
    current: str
    target: str


def _resources(document: Any) -> list[Any]:
    found = document.get("Resources", document.get("resources")) if isinstance(document, dict) else None
    if not isinstance(found, list) or len(found) != 1:
        raise InvalidAppSpec("The AppSpec must list exactly one resource under Resources, of Type "
                             f"{LAMBDA_TYPE}, with Properties {', '.join(_FIELDS)}.")
    return found


def parse(content: str) -> LambdaAppSpec:
    """The function, alias and versions an AppSpec (YAML or JSON text) names; InvalidAppSpec otherwise."""
    try:
        document = json.loads(content)
    except ValueError:  # not JSON: read it as YAML (cfn-lint's reader, which the sandbox has for templates)
        try:
            document = cfn_yaml.loads(content)
        except Exception as error:  # any parse failure is the caller's content: refused with the reader's words
            raise InvalidAppSpec(f"The AppSpec content is neither YAML nor JSON: {error}") from None
    entry = _resources(document)[0]
    resource = next(iter(entry.values())) if isinstance(entry, dict) and len(entry) == 1 else None
    if not isinstance(resource, dict) or resource.get("Type") != LAMBDA_TYPE:
        raise InvalidAppSpec(f"The AppSpec's resource must be of Type {LAMBDA_TYPE}.")
    props = resource.get("Properties") or {}
    missing = [name for name in _FIELDS if props.get(name) in (None, "")]
    if missing:
        raise InvalidAppSpec(f"The AppSpec's function resource lacks {', '.join(missing)} in its Properties.")
    return LambdaAppSpec(str(props["Name"]), str(props["Alias"]), str(props["CurrentVersion"]),
                         str(props["TargetVersion"]))


def content(function: str, alias: str, current: str, target: str) -> str:
    """An AppSpec (JSON) for moving `alias` of `function` from version `current` to `target`."""
    document = {"version": 0.0, "Resources": [{function: {"Type": LAMBDA_TYPE, "Properties": {
        "Name": function, "Alias": alias, "CurrentVersion": current, "TargetVersion": target}}}]}
    return json.dumps(document, indent=2)


__all__ = ["InvalidAppSpec", "LambdaAppSpec", "content", "parse"]
