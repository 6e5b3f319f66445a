"""AWS::IAM::Role in stacks, with its inline Policies and ManagedPolicyArns, created and changed as IAM does.

moto's model of the type drops ManagedPolicyArns (so a role made by SAM or by hand lacks
AWSLambdaBasicExecutionRole and the SQS poller's policy) and ignores changed policies on update. This provider
makes the role with CreateRole, PutRolePolicy and AttachRolePolicy in the sandbox's IAM, so an attached policy
that IAM does not hold fails the resource, and an update brings the policies to what the template says.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import IAMBackend, iam_backends
from moto.utilities.utils import get_partition

from localaws.cloudformation.providers import Provider, StackResource, Where, resource


def _iam(where: Where) -> IAMBackend:
    return iam_backends[where.account_id][get_partition(where.region)]


def _document(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _inline_document(value: Any) -> str:
    """An inline policy as IAM stores it: one without a Version (SAM's policy templates have none) is taken.

    IAM accepts a document without Version and reads it as version 2008-10-17, which differs from 2012-10-17
    only in leaving policy variables (`${...}`) unexpanded; moto's validator refuses such a document, so it gets
    the 2012-10-17 Version here when it holds no policy variable, and is passed on unchanged (and refused) if it
    does. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """
    text = _document(value)
    if isinstance(value, dict) and "Version" not in value and "${" not in text:
        return json.dumps({"Version": "2012-10-17", **value})
    return text


class Role(Provider):
    """AWS::IAM::Role: Ref is the role name; Arn and RoleId by Fn::GetAtt; a new RoleName or Path replaces it."""

    TYPE = "AWS::IAM::Role"
    ATTRIBUTES = ("Arn", "RoleId")
    REPLACE_ON = ("RoleName", "Path")

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        role = _iam(where).create_role(
            role_name=str(props.get("RoleName") or name),
            assume_role_policy_document=_document(props["AssumeRolePolicyDocument"]),
            path=props.get("Path", "/"), permissions_boundary=props.get("PermissionsBoundary"),
            description=props.get("Description", ""), tags=props.get("Tags") or [],
            max_session_duration=str(props.get("MaxSessionDuration", 3600)))
        made = resource(cls, role.name, Arn=role.arn, RoleId=role.id)
        _sync_policies(made.physical_resource_id, {}, props, where)
        return made

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        _iam(where).update_assume_role_policy(old.physical_resource_id,
                                              _document(props["AssumeRolePolicyDocument"]))
        _sync_policies(old.physical_resource_id, old.properties, props, where)
        return resource(cls, old.physical_resource_id, **old.attributes)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        """Remove the policies the stack gave the role (those still there), then the role itself."""
        iam, name = _iam(where), resource.physical_resource_id
        role = iam.get_role(name)
        still = {"Policies": [p for p in resource.properties.get("Policies") or [] if p["PolicyName"] in role.policies],
                 "ManagedPolicyArns": [a for a in resource.properties.get("ManagedPolicyArns") or []
                                       if a in role.managed_policies]}
        _sync_policies(name, still, {}, where)
        iam.delete_role(name)  # IAM refuses (DeleteConflict) while policies attached outside the stack remain


def _sync_policies(role: str, old: dict[str, Any], new: dict[str, Any], where: Where) -> None:
    """Bring the role's inline and attached policies from what `old` declared to what `new` declares."""
    iam = _iam(where)
    old_inline = {p["PolicyName"]: p["PolicyDocument"] for p in old.get("Policies") or []}
    new_inline = {p["PolicyName"]: p["PolicyDocument"] for p in new.get("Policies") or []}
    for policy_name, document in new_inline.items():
        if old_inline.get(policy_name) != document:
            iam.put_role_policy(role, policy_name, _inline_document(document))
    for policy_name in old_inline.keys() - new_inline.keys():
        iam.delete_role_policy(role, policy_name)
    old_managed, new_managed = set(old.get("ManagedPolicyArns") or []), set(new.get("ManagedPolicyArns") or [])
    for arn in sorted(new_managed - old_managed):
        iam.attach_role_policy(arn, role)
    for arn in sorted(old_managed - new_managed):
        iam.detach_role_policy(arn, role)


PROVIDERS: tuple[type[Provider], ...] = (Role,)
