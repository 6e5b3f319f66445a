"""The order CloudFormation works in: each resource after the resources it refers to.

A resource depends on those its properties name through Ref and Fn::GetAtt, and on those its DependsOn lists;
stacks create and change resources in that order and delete them in the reverse order.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html
"""

from __future__ import annotations

from typing import Any


def in_dependency_order(names: list[str], resources: dict[str, Any]) -> list[str]:
    """`names` with every resource after the ones among them it refers to (Ref, Fn::GetAtt, DependsOn)."""
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered or name in path:
            return
        for other in references(resources.get(name, {})):
            if other in names:
                visit(other, path + (name,))
        ordered.append(name)

    for name in names:
        visit(name, ())
    return ordered


def references(node: Any) -> set[str]:
    """The logical IDs a resource's JSON names through Ref, Fn::GetAtt and DependsOn."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else value)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found
