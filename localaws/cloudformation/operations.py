"""One resource at a time: created, updated or deleted with its stack events, its failures made ResourceFailure.

The functions here replace moto's `parse_and_create_resource` and `parse_and_update_resource` (declared in
localaws.seams, installed by localaws.cloudformation.stacks), so that every resource reports
CREATE_IN_PROGRESS then CREATE_COMPLETE or CREATE_FAILED (UPDATE_* and DELETE_* likewise), a resource whose
properties cfn-lint found invalid fails as CloudFormation's schema check fails it, and a type the sandbox cannot
make or change fails instead of being skipped.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing

from localaws import seams
from localaws.cloudformation import checks
from localaws.cloudformation.dependencies import in_dependency_order

CREATE_RESOURCE = "moto.cloudformation.parsing:parse_and_create_resource"
UPDATE_RESOURCE = "moto.cloudformation.parsing:parse_and_update_resource"


class ResourceFailure(Exception):
    """One resource of a stack could not be created or updated: the stack rolls back."""

    def __init__(self, logical_id: str, reason: str, verb: str = "CREATE") -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id, self.reason, self.verb = logical_id, reason, verb


@dataclass
class Operation:
    """What the stack operation under way needs to know: property errors to fail on, resources to clean up."""

    failures: dict[str, list[checks.Finding]] = field(default_factory=dict)
    replaced: list[Any] = field(default_factory=list)  # old resources a replacement made obsolete
    touched: list[str] = field(default_factory=list)  # resources the update began to change, even if it failed


current_operation: contextvars.ContextVar[Operation | None] = contextvars.ContextVar("cfn_operation", default=None)
deleting: contextvars.ContextVar[Any] = contextvars.ContextVar("cfn_deleting", default=None)


def stack_of(resources_map: Any) -> Any:
    """The stack a resource map belongs to (while DeleteStack runs, moto holds it in neither of its lists)."""
    stack = deleting.get()
    if stack is not None and stack.stack_id == resources_map.stack_id:
        return stack
    backend = cfn_models.cloudformation_backends[resources_map._account_id][resources_map._region_name]
    return backend.stacks.get(resources_map.stack_id)


def event(resources_map: Any, logical_id: str, resource_type: str, status: str, reason: str | None = None,
           physical_id: str = "") -> None:
    """Add one resource event to the stack that `resources_map` belongs to."""
    stack = stack_of(resources_map)
    if stack is not None:
        stack.events.append(cfn_models.Event(stack.stack_id, stack.name, logical_id, physical_id, resource_type,
                                             status, reason, None))


def operation_now() -> Operation:
    """The operation under way (a fresh one if none is: nothing to fail on, nothing to record)."""
    return current_operation.get() or Operation()


def _check_properties(logical_id: str, verb: str) -> None:
    """Fail the resource if cfn-lint found its properties invalid, as CloudFormation's schema check does."""
    operation = current_operation.get()
    problems = operation.failures.get(logical_id) if operation is not None else None
    if problems:
        raise ResourceFailure(logical_id, "Properties validation failed for resource "
                                          f"{logical_id} with message: {'; '.join(p.message for p in problems)}", verb)


def create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
                     region_name: str) -> Any:
    """moto's parse_and_create_resource, with events, property checks and no silent skipping."""
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None  # a resource whose condition is false is not part of the stack
    resource_type = resource_json["Type"]
    event(resources_map, logical_id, resource_type, "CREATE_IN_PROGRESS")
    made = _provision(logical_id, "CREATE", lambda: seams.original(CREATE_RESOURCE)(
        logical_id, resource_json, resources_map, account_id, region_name))
    if made is None and resource_type not in parsing.NULL_MODELS:
        raise ResourceFailure(logical_id, f"The sandbox's CloudFormation cannot create {resource_type} resources")
    event(resources_map, logical_id, resource_type, "CREATE_COMPLETE",
           physical_id=str(getattr(made, "physical_resource_id", "")))
    return made


def update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
                     region_name: str) -> Any:
    """moto's parse_and_update_resource, with events, property checks and no silent skipping."""
    resource_type = resource_json["Type"]
    event(resources_map, logical_id, resource_type, "UPDATE_IN_PROGRESS")
    made = _provision(logical_id, "UPDATE", lambda: seams.original(UPDATE_RESOURCE)(
        logical_id, resource_json, resources_map, account_id, region_name))
    if made is None:  # moto's model of the type has no update: fail rather than leave it unchanged
        raise ResourceFailure(logical_id, f"The sandbox's CloudFormation cannot update {resource_type} resources",
                              "UPDATE")
    event(resources_map, logical_id, resource_type, "UPDATE_COMPLETE",
           physical_id=str(getattr(made, "physical_resource_id", "")))
    return made


def _provision(logical_id: str, verb: str, step: Any) -> Any:
    """Run one resource's create or update; any error fails that resource with its message."""
    _check_properties(logical_id, verb)
    return _guarded(logical_id, verb, step)


def _guarded(logical_id: str, verb: str, step: Any) -> Any:
    """Run one step on a resource; whatever a service call raises becomes that resource's ResourceFailure."""
    try:
        return step()
    except ResourceFailure:
        raise
    except Exception as error:  # any service error fails the resource, loudly: the stack rolls back or stops
        raise ResourceFailure(logical_id, reason_of(error), verb) from error


def reason_of(error: BaseException) -> str:
    """The service's message for a failed call (moto's errors carry it as `message` or `description`)."""
    text = getattr(error, "message", None) or getattr(error, "description", None) or str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def record_failure(self: Any, failure: ResourceFailure) -> None:
    """Add the failed resource's CREATE_FAILED (or UPDATE_FAILED) event, with its reason, to the stack `self`."""
    resource_type = self.template_dict.get("Resources", {}).get(failure.logical_id, {}).get("Type", "")
    self.events.append(cfn_models.Event(self.stack_id, self.name, failure.logical_id, "", resource_type,
                                        f"{failure.verb}_FAILED", failure.reason, None))


def delete_all(resources_map: Any) -> None:
    """Delete every resource the map made, dependents first; a ResourceFailure names one that stays."""
    made = [name for name in resources_map._resource_json_map if name in resources_map._parsed_resources]
    # Each resource after what it refers to (the template's order, as SAM's expansion writes it, is not that).
    for logical_id in reversed(in_dependency_order(made, resources_map._resource_json_map)):
        delete_one(resources_map, logical_id, resources_map._resource_json_map[logical_id])


def delete_one(resources_map: Any, logical_id: str, resource_json: dict[str, Any]) -> None:
    """Delete one resource with its events; it stays in the map (for a retry) if the deletion fails."""
    made = resources_map._parsed_resources.get(logical_id)
    if made is None or isinstance(made, str):
        return
    resource_type = resource_json.get("Type", "")
    physical = str(getattr(made, "physical_resource_id", ""))
    event(resources_map, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical)
    try:
        _guarded(logical_id, "DELETE", lambda: resources_map._delete_resource(made, resource_json))
    except ResourceFailure as failure:
        event(resources_map, logical_id, resource_type, "DELETE_FAILED", failure.reason, physical)
        raise
    resources_map._parsed_resources.pop(logical_id, None)  # kept above while it stands: DeleteStack can retry
    event(resources_map, logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical)
