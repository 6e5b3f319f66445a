"""Deploy CloudFormation and SAM templates to the sandbox, the way `sam deploy` does, with errors in plain words.

    from lambda_course.stacks import deploy_stack, delete_stack, lint_template
    outputs = deploy_stack("orders", template)   # creates or updates the stack; returns its Outputs
    lint_template(template)                      # cfn-lint's findings, as lines to read
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

from localaws import cloudformation

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
NO_CHANGES = "No updates are to be performed."


class StackFailed(RuntimeError):
    """A stack could not be deployed; the message says what failed and what to try."""


def _body(template: str | dict[str, Any]) -> str:
    return template if isinstance(template, str) else json.dumps(template)


def _status(client: Any, name: str) -> str | None:
    """The stack's status, or None if there is no such stack (a deleted one counts as none)."""
    try:
        stack = client.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else str(stack["StackStatus"])


def deploy_stack(name: str, template: str | dict[str, Any], parameters: dict[str, str] | None = None,
                 timeout: float = 120.0) -> dict[str, str]:
    """Create the stack, or update it if it exists; wait until it is done and return its Outputs by key.

    A stack left in ROLLBACK_COMPLETE by a failed first deployment is deleted and created again, as `sam deploy`
    does. StackFailed explains a refused template or a failed, rolled-back deployment.
    """
    client = boto3.client("cloudformation")
    params = [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in (parameters or {}).items()]
    status = _status(client, name)
    if status == "ROLLBACK_COMPLETE":
        delete_stack(name)
        status = None
    call = client.create_stack if status is None else client.update_stack
    try:
        call(StackName=name, TemplateBody=_body(template), Parameters=params, Capabilities=CAPABILITIES)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        if message != NO_CHANGES:
            raise StackFailed(f"CloudFormation refused the template of stack {name!r} before changing anything: "
                              f"{message}\nCheck it with lint_template(template), fix it, and deploy again.") \
                from None
    final = _wait(client, name, timeout)
    if final not in DONE:
        raise StackFailed(_failure_story(client, name, final))
    return outputs(name)


def _wait(client: Any, name: str, timeout: float) -> str:
    """Poll until the stack's operation ends (or the timeout passes); the status it ended in."""
    deadline = time.monotonic() + timeout
    while True:
        status = _status(client, name) or "DELETE_COMPLETE"
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def _failure_story(client: Any, name: str, status: str) -> str:
    """What went wrong in the stack's last operation, resource by resource, in plain words."""
    events = client.describe_stack_events(StackName=name)["StackEvents"]  # newest first
    failed = []
    for event in events:
        if event["ResourceType"] == "AWS::CloudFormation::Stack" and event.get("ResourceStatusReason") == \
                "User Initiated":
            break
        if event["ResourceStatus"].endswith("_FAILED") and event["ResourceType"] != "AWS::CloudFormation::Stack":
            failed.append(f"  - {event['LogicalResourceId']} ({event['ResourceType']}): "
                          f"{event.get('ResourceStatusReason') or 'no reason given'}")
    what = {"ROLLBACK_COMPLETE": "could not be created; everything it had made was deleted again",
            "UPDATE_ROLLBACK_COMPLETE": "could not be updated; it was rolled back and runs the previous version"}
    told = what.get(status, f"ended in {status}")
    return (f"Stack {name!r} {told}.\nWhat failed:\n" + ("\n".join(reversed(failed)) or "  (no resource said why)")
            + "\nFix the template and call deploy_stack again.")


def outputs(name: str) -> dict[str, str]:
    """The stack's Outputs, by key."""
    stack = boto3.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs") or []}


def delete_stack(name: str, timeout: float = 120.0) -> None:
    """Delete the stack and everything in it (resources with DeletionPolicy Retain stay), and wait."""
    client = boto3.client("cloudformation")
    client.delete_stack(StackName=name)
    final = _wait(client, name, timeout)
    if final != "DELETE_COMPLETE":
        raise StackFailed(_failure_story(client, name, final))


def lint_template(template: str | dict[str, Any]) -> list[str]:
    """cfn-lint's findings for a template, errors first, one line each (empty when it finds nothing)."""
    return [f"{finding.level}: {finding}" for finding in cloudformation.lint(template)]
