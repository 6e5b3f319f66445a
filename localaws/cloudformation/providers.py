"""Resource providers: how the sandbox's CloudFormation creates, updates and deletes one resource type.

moto's stack engine (`moto.cloudformation.parsing`) resolves intrinsics, orders resources and calls a class per
resource type through four class methods. A `Provider` subclass is such a class for a type moto models wrongly
or not at all; `StackResource` is what it returns: the physical ID that `Ref` gives and the values `Fn::GetAtt`
reads. `localaws.cloudformation.stacks` looks providers up by type before moto's own models.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException


@dataclass
class StackResource:
    """A resource a stack made: its physical ID (what Ref returns) and its Fn::GetAtt attributes."""

    provider: type[Provider]
    physical_resource_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    logical_resource_id: str = ""
    cf_resource_type: str = ""

    def get_cfn_attribute(self, name: str) -> Any:
        """The value of Fn::GetAtt for this resource, or moto's error for an attribute the type lacks."""
        if name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[name]

    def delete(self, account_id: str, region_name: str) -> None:
        """Delete the resource itself (moto's engine calls this when a stack deletes or drops it)."""
        self.provider.delete(self, Where(account_id, region_name))

    def is_created(self) -> bool:
        """Creation is synchronous here, so a resource exists as soon as it is returned."""
        return True


# While a stack update runs, the resources its replacements made obsolete, deleted in its cleanup phase (or kept,
# if it rolls back); outside an update a replaced resource is deleted at once.
REPLACED: contextvars.ContextVar[list[StackResource] | None] = contextvars.ContextVar("cfn_replaced", default=None)


@dataclass(frozen=True)
class Where:
    """The account and region a stack runs in."""

    account_id: str
    region: str


class Provider:
    """Create, update and delete one CloudFormation resource type; subclasses fill in the three steps."""

    TYPE: ClassVar[str] = ""
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()
    # Properties whose change makes CloudFormation replace the resource rather than update it in place.
    REPLACE_ON: ClassVar[tuple[str, ...]] = ()
    # True for types whose every property needs replacement: any change at all makes a new resource.
    REPLACE_ON_ANY_CHANGE: ClassVar[bool] = False

    @classmethod
    def create(cls, name: str, props: dict[str, Any], where: Where) -> StackResource:
        """Make the resource from its (resolved) properties."""
        raise NotImplementedError

    @classmethod
    def update(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        """Change the resource in place; types that can only be replaced keep this default."""
        return cls.replace(old, name, props, where)

    @classmethod
    def delete(cls, resource: StackResource, where: Where) -> None:
        """Delete the resource."""
        raise NotImplementedError

    @classmethod
    def replace(cls, old: StackResource, name: str, props: dict[str, Any], where: Where) -> StackResource:
        """Create the new resource first; the old one goes in the update's cleanup phase, as in CloudFormation."""
        new = cls.create(name, props, where)
        later = REPLACED.get()
        if later is None:
            cls.delete(old, where)
        else:
            later.append(old)
        return new

    @classmethod
    def needs_replacement(cls, old: StackResource, props: dict[str, Any]) -> bool:
        """Whether a property that cannot change in place differs between the old and new resource."""
        if cls.REPLACE_ON_ANY_CHANGE:
            return old.properties != props
        return any(old.properties.get(key) != props.get(key) for key in cls.REPLACE_ON)

    # The interface moto's stack engine calls.

    @staticmethod
    def cloudformation_type() -> str:
        return ""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> StackResource:
        """moto's entry point for a new resource."""
        props = dict(cloudformation_json.get("Properties") or {})
        made = cls.create(resource_name, props, Where(account_id, region_name))
        made.properties = props
        return made

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: StackResource, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> StackResource:
        """moto's entry point for a changed resource: in place, or replaced when a fixed property changed."""
        props = dict(cloudformation_json.get("Properties") or {})
        where = Where(account_id, region_name)
        if cls.needs_replacement(original_resource, props):
            made = cls.replace(original_resource, new_resource_name, props, where)
        else:
            made = cls.update(original_resource, new_resource_name, props, where)
        made.properties = props
        return made

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        """Unused: moto's engine deletes through `StackResource.delete`, which knows the resource."""


def resource(provider: type[Provider], physical_id: str, **attributes: Any) -> StackResource:
    """A StackResource of `provider`'s type."""
    return StackResource(provider, physical_id, dict(attributes), cf_resource_type=provider.TYPE)
