"""Stack operations as CloudFormation runs them: checked, transformed, provisioned, and rolled back on failure.

moto's engine resolves intrinsics and walks resources; the sandbox changes it at declared seams
(localaws.seams) so that:

- CreateStack and UpdateStack refuse a template CloudFormation would refuse (cfn-lint's template errors, see
  localaws.cloudformation.checks) and expand the SAM transform first (localaws.cloudformation.sam); GetTemplate
  still returns the template as sent.
- Every resource reports its events and fails rather than being skipped (localaws.cloudformation.operations).
- A failed create deletes what it made and ends ROLLBACK_COMPLETE; a failed update rolls back and ends
  UPDATE_ROLLBACK_COMPLETE (localaws.cloudformation.updates).
- UpdateStack with nothing to change is refused ("No updates are to be performed.").
- A resource that cannot be deleted leaves its stack DELETE_FAILED, still listed under its name, so that
  DeleteStack can be called again once the cause is removed.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

from localaws import seams
from localaws.cloudformation import (
    checks,
    cloudwatch_resources,
    codedeploy,
    http_api,
    iam_resources,
    lambda_resources,
    rest_api,
    sam,
    sns_resources,
)
from localaws.cloudformation.operations import (
    CREATE_RESOURCE,
    UPDATE_RESOURCE,
    Operation,
    ResourceFailure,
    create_resource,
    current_operation,
    delete_all,
    deleting,
    record_failure,
    update_resource,
)
from localaws.cloudformation.providers import Provider
from localaws.cloudformation.updates import stack_update

CLASS_FOR_TYPE = "moto.cloudformation.parsing:resource_class_from_type"
CREATE_STACK = "moto.cloudformation.models:CloudFormationBackend.create_stack"
UPDATE_STACK = "moto.cloudformation.models:CloudFormationBackend.update_stack"
CREATE_RESOURCES = "moto.cloudformation.models:Stack.create_resources"
STACK_UPDATE = "moto.cloudformation.models:Stack.update"
STACK_DELETE = "moto.cloudformation.models:Stack.delete"
DELETE_STACK = "moto.cloudformation.models:CloudFormationBackend.delete_stack"

PROVIDERS: dict[str, type[Provider]] = {
    provider.TYPE: provider
    for provider in (lambda_resources.PROVIDERS + iam_resources.PROVIDERS + http_api.PROVIDERS + rest_api.PROVIDERS
                     + sns_resources.PROVIDERS + codedeploy.PROVIDERS + cloudwatch_resources.PROVIDERS)
}


def install() -> None:
    """Put the stack seams in place; calling it again does nothing."""
    if seams.is_patched(CLASS_FOR_TYPE):
        return
    seams.verify()
    seams.patch(CLASS_FOR_TYPE, _class_for_type)
    seams.patch(CREATE_RESOURCE, create_resource)
    seams.patch(UPDATE_RESOURCE, update_resource)
    seams.patch(CREATE_STACK, _create_stack)
    seams.patch(UPDATE_STACK, _update_stack)
    seams.patch(CREATE_RESOURCES, _create_resources)
    seams.patch(STACK_UPDATE, stack_update)
    seams.patch(STACK_DELETE, _stack_delete)
    seams.patch(DELETE_STACK, _delete_stack)


# Template checks and the SAM transform, before moto sees the template.


def _prepare(template: str, parameters: dict[str, Any], account_id: str, region: str) -> tuple[str, Operation]:
    """The template moto provisions (SAM expanded) and the property errors to fail on; refuses bad templates."""
    findings = checks.lint(template, region)
    refused = checks.refusals(findings)
    if refused:
        raise ValidationError(message=f"Template format error: {refused[0].message}")
    parsed = cfn_models.Stack.parse_template(template)
    if sam.is_sam(parsed):
        parsed = sam.expand(parsed, parameters, account_id, region)
    return json.dumps(parsed), Operation(failures=checks.resource_failures(findings))


def _create_stack(self: Any, name: str, template: str, parameters: dict[str, Any], *args: Any,
                  **kwargs: Any) -> Any:
    """moto's CreateStack, after the checks and the SAM transform; GetTemplate keeps the template as sent."""
    processed, operation = _prepare(template, parameters, self.account_id, self.region_name)
    token = current_operation.set(operation)
    try:
        stack = seams.original(CREATE_STACK)(self, name, processed, parameters, *args, **kwargs)
    finally:
        current_operation.reset(token)
    stack.template = template  # GetTemplate answers with the template as sent (its Original stage)
    return stack


def _update_stack(self: Any, name: str, template: str, role_arn: str | None, parameters: list[dict[str, Any]],
                  tags: dict[str, str] | None) -> Any:
    """moto's UpdateStack, after the checks and the SAM transform; refuses an update that changes nothing."""
    stack = self.get_stack(name)
    resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
    processed, operation = _prepare(template, resolved, self.account_id, self.region_name)
    if json.loads(processed) == stack.template_dict and (resolved or stack.parameters) == stack.parameters:
        raise ValidationError(message="No updates are to be performed.")
    token = current_operation.set(operation)
    try:
        stack.update(processed, role_arn, parameters=resolved, tags=tags)
    finally:
        current_operation.reset(token)
    if stack.status == "UPDATE_COMPLETE":
        stack.template = template
    return stack


def _class_for_type(resource_type: str) -> Any:
    """The sandbox's provider for a resource type, else moto's model of it (or None when moto has none)."""
    return PROVIDERS.get(resource_type) or seams.original(CLASS_FOR_TYPE)(resource_type)


# Creating a stack.


def _create_resources(self: Any) -> None:
    """Create every resource; on a failure, roll the create back instead of answering with an error."""
    self.status = "CREATE_IN_PROGRESS"
    try:
        self.resource_map.create(self.template_dict)
    except ResourceFailure as failure:
        _roll_back_create(self, failure)
        return
    self.description = self.template_dict.get("Description")
    self.mark_creation_complete()


def _forget_resources(self: Any) -> None:
    """Leave a stack whose resources are gone with none: moto's lazy map would otherwise make them again."""
    self.resource_map._resource_json_map = {}
    self.output_map = parsing.OutputMap(self.resource_map, {}, self.stack_id)


def _roll_back_create(self: Any, failure: ResourceFailure) -> None:
    """Delete what a failed create made and end ROLLBACK_COMPLETE (ROLLBACK_FAILED if something stays)."""
    record_failure(self, failure)
    self.output_map = parsing.OutputMap(self.resource_map, {}, self.stack_id)  # no outputs of a failed create
    self._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to create: [{failure.logical_id}]. Rollback requested by user."))
    try:
        delete_all(self.resource_map)
    except ResourceFailure as error:
        self.status = "ROLLBACK_FAILED"
        self._add_stack_event("ROLLBACK_FAILED", resource_status_reason=error.reason)
        return
    _forget_resources(self)
    self.status = "ROLLBACK_COMPLETE"
    self._add_stack_event("ROLLBACK_COMPLETE")


# Deleting a stack.


def _stack_delete(self: Any) -> None:
    """Delete every resource but the retained ones; DELETE_FAILED (and nothing raised) if one stays."""
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    rmap = self.resource_map
    retained = [k for k, v in rmap._resource_json_map.items() if v.get("DeletionPolicy") == "Retain"]
    for logical_id in retained:
        rmap._parsed_resources.pop(logical_id, None)
    token = deleting.set(self)
    try:
        delete_all(rmap)
    except ResourceFailure as failure:
        self.status = "DELETE_FAILED"
        self._add_stack_event("DELETE_FAILED", resource_status_reason=(
            f"The following resource(s) failed to delete: [{failure.logical_id}]. "))
        return  # DeleteStack itself succeeds; the stack's status and events say what stayed, as on AWS
    finally:
        deleting.reset(token)
    _forget_resources(self)
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


def _delete_stack(self: Any, name_or_stack_id: str) -> None:
    """moto's DeleteStack, keeping a DELETE_FAILED stack listed so that it can be deleted again."""
    try:
        stack = self.get_stack(name_or_stack_id)
    except ValidationError:
        return  # DeleteStack of a stack that does not exist succeeds and does nothing
    seams.original(DELETE_STACK)(self, stack.stack_id)
    if stack.status == "DELETE_FAILED":  # kept among the live stacks, as CloudFormation keeps it
        self.deleted_stacks.pop(stack.stack_id, None)
        self.stacks[stack.stack_id] = stack
