"""Least-privilege execution roles for chapter functions, written as (actions, resources) grants."""

from __future__ import annotations

from lambda_course.deploy import ensure_role

Grant = tuple[str | list[str], str | list[str]]


def policy_allowing(*grants: Grant) -> dict:
    """An IAM policy document with one Allow statement per (actions, resources) grant."""
    if not grants:
        raise ValueError("name at least one (actions, resources) grant")
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}
                          for actions, resources in grants]}


def role_allowing(name: str, *grants: Grant) -> str:
    """Create (or update) the execution role `name` allowing exactly these grants; return its ARN."""
    return ensure_role(name, policy_allowing(*grants))
