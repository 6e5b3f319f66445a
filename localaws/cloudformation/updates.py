"""Updating a stack as CloudFormation does, and rolling it back to where it was when a resource fails.

New and changed resources are made first, each after what it refers to; removed and replaced ones are deleted
last, in the cleanup phase, unless DeletionPolicy Retain keeps them. When a resource fails, the update rolls
back: resources it made are deleted, changed ones are changed back, replaced ones are restored, and the stack
ends UPDATE_ROLLBACK_COMPLETE with its previous template.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.cloudformation import parsing

from localaws.cloudformation.dependencies import in_dependency_order
from localaws.cloudformation.operations import (
    Operation,
    ResourceFailure,
    current_operation,
    delete_one,
    operation_now,
    record_failure,
)
from localaws.cloudformation.providers import REPLACED


@dataclass
class _Before:
    """A stack as it was before an update, to roll back to."""

    template: Any
    template_dict: dict[str, Any]
    parsed: dict[str, Any]
    input_parameters: dict[str, Any]
    parameters: dict[str, Any]


def stack_update(self: Any, template: str, role_arn: str | None = None, parameters: dict[str, Any] | None = None,
                 tags: dict[str, str] | None = None) -> None:
    """moto's Stack.update: apply `template` (SAM already expanded), cleaning up after or rolling back."""
    self._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    rmap = self.resource_map
    before = _Before(self.template, self.template_dict, dict(rmap._parsed_resources), rmap.input_parameters,
                     self.parameters)
    operation = current_operation.get() or Operation()
    try:
        removed = _apply_update_of(self, template, parameters, operation)
    except ResourceFailure as failure:
        _roll_back_update(self, before, failure, operation)
        return
    self._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    _clean_up(rmap, before, removed, operation)
    self.output_map = self._create_output_map()
    self.status = "UPDATE_COMPLETE"
    self._add_stack_event("UPDATE_COMPLETE")
    self.role_arn = role_arn
    if parameters:
        self.parameters = parameters
    if tags is not None:
        self.tags = tags


def _apply_update_of(self: Any, template: str, parameters: dict[str, Any] | None, operation: Operation) -> list[str]:
    """Apply the new template to the stack's resources, keeping replaced ones for cleanup or rollback."""
    token, replaced = current_operation.set(operation), REPLACED.set(operation.replaced)
    try:
        self.template = template
        self._parse_template()
        return _apply_update(self.resource_map, self.template_dict, parameters)
    finally:
        REPLACED.reset(replaced)
        current_operation.reset(token)


def _apply_update(rmap: Any, template: dict[str, Any], parameters: dict[str, Any] | None) -> list[str]:
    """Create the new resources and change the changed ones, each after what it refers to; returns the logical
    IDs to remove afterwards."""
    diff = rmap.build_resource_diff(template, parameters)
    rmap._template = template
    if parameters:
        rmap.input_parameters = parameters
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    rmap._resource_json_map = template["Resources"]
    for logical_id in in_dependency_order(diff["Add"] + diff["Modify"], template["Resources"]):
        if logical_id in diff["Add"]:
            _ = rmap[logical_id]  # moto's lazy map creates a resource (and what it refers to) on first access
            continue
        operation_now().touched.append(logical_id)
        changed = parsing.parse_and_update_resource(logical_id, template["Resources"][logical_id], rmap,
                                                    account_id=rmap._account_id, region_name=rmap._region_name)
        if changed is not None:
            rmap._parsed_resources[logical_id] = changed
    return list(diff["Remove"])


def _clean_up(rmap: Any, before: _Before, removed: list[str], operation: Operation) -> None:
    """Delete what the update made obsolete: removed resources (unless retained) and replaced ones."""
    old_resources = before.template_dict.get("Resources", {})
    for logical_id in removed:
        resource_json = old_resources[logical_id]
        if resource_json.get("DeletionPolicy") != "Retain":
            _delete_quietly(rmap, logical_id, resource_json)
        rmap._parsed_resources.pop(logical_id, None)  # no longer part of the stack, deleted or retained
    for old in operation.replaced:
        old.delete(rmap._account_id, rmap._region_name)


def _delete_quietly(rmap: Any, logical_id: str, resource_json: dict[str, Any]) -> None:
    """Delete one resource in the cleanup phase: a failure there leaves it behind but does not fail the update."""
    try:
        delete_one(rmap, logical_id, resource_json)
    except ResourceFailure:
        pass  # reported as DELETE_FAILED in the stack's events, as CloudFormation leaves such resources


def _roll_back_update(self: Any, before: _Before, failure: ResourceFailure, operation: Operation) -> None:
    """Put every resource and the stack's template back as they were before the update."""
    record_failure(self, failure)
    self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to update: [{failure.logical_id}]. "))
    rmap = self.resource_map
    token = current_operation.set(Operation())  # rolling back checks no properties: the old ones were accepted
    try:
        _restore(rmap, before, operation)
    except ResourceFailure as error:
        self.status = "UPDATE_ROLLBACK_FAILED"
        self._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=error.reason)
        return
    finally:
        current_operation.reset(token)
    self.template, self.template_dict, self.parameters = before.template, before.template_dict, before.parameters
    self.output_map = self._create_output_map()
    self.status = "UPDATE_ROLLBACK_COMPLETE"
    self._add_stack_event("UPDATE_ROLLBACK_COMPLETE")


def _restore(rmap: Any, before: _Before, operation: Operation) -> None:
    """Undo an update: delete what it made, restore replaced resources, change changed ones back."""
    new_resources = rmap._resource_json_map
    rmap._template, rmap.input_parameters = before.template_dict, before.input_parameters
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    old_resources = before.template_dict["Resources"]
    for logical_id in [name for name in new_resources if name not in before.parsed]:
        rmap._resource_json_map = new_resources
        delete_one(rmap, logical_id, new_resources[logical_id])  # made by the update: deleted
    rmap._resource_json_map = old_resources
    for logical_id, old in before.parsed.items():
        now = rmap._parsed_resources.get(logical_id)
        if logical_id not in old_resources or (now is old and logical_id not in operation.touched):
            continue
        if now is not None and any(old is gone for gone in operation.replaced):  # replaced: back to the old one
            now.delete(rmap._account_id, rmap._region_name)
            rmap._parsed_resources[logical_id] = old
        else:  # changed in place (or partly): changed back to the old properties
            rmap._parsed_resources[logical_id] = old
            changed = parsing.parse_and_update_resource(logical_id, old_resources[logical_id], rmap,
                                                        account_id=rmap._account_id, region_name=rmap._region_name)
            if changed is not None:
                rmap._parsed_resources[logical_id] = changed
    rmap._parsed_resources.update({k: v for k, v in before.parsed.items() if k not in rmap._parsed_resources})
