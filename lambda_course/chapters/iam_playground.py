"""Chapter 07's IAM playground: paste a policy, pick a request, and see IAM's decision and the validator's view.

`explain(policy_text, action, resource, context_text, ...)` is the plain function behind the widget: tests and
notebook cells call it directly; `IamPlayground` only wires text boxes and a button to it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from iampolicy import Decision, Finding, Outcome, Request, evaluate, validate

ACCOUNT = "123456789012"
DEFAULT_PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/orders-api/orders-api"
ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteTable", "s3:GetObject", "s3:PutObject",
           "secretsmanager:GetSecretValue", "kms:Decrypt", "lambda:InvokeFunction", "logs:PutLogEvents",
           "iam:PassRole")
STARTER_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadOrders", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
     "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"},
    {"Sid": "NeverDropTables", "Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
]}, indent=2)
LABELS = {Outcome.ALLOW: "Allow", Outcome.EXPLICIT_DENY: "Explicit deny", Outcome.IMPLICIT_DENY: "Implicit deny"}
COLOURS = {Outcome.ALLOW: "#1b7f3b", Outcome.EXPLICIT_DENY: "#b00020", Outcome.IMPLICIT_DENY: "#8a5a00"}


@dataclass
class Explanation:
    """What the playground shows: the decision (None when the input could not be read) and the findings."""

    decision: Decision | None
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None

    @property
    def label(self) -> str:
        """Allow, Explicit deny or Implicit deny; or 'Cannot evaluate' when the input was unreadable."""
        return LABELS[self.decision.outcome] if self.decision else "Cannot evaluate"


def parse_context(text: str | Mapping[str, Any]) -> dict[str, Any]:
    """Context keys from a JSON object, or from `key = value` lines (a comma makes a list of values)."""
    if isinstance(text, Mapping):
        return dict(text)
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("{"):
        loaded = json.loads(stripped)
        if not isinstance(loaded, dict):
            raise ValueError("context keys must be a JSON object")
        return loaded
    context: dict[str, Any] = {}
    for line in filter(None, (raw.strip() for raw in stripped.splitlines())):
        key, sep, raw_value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"write one context key per line as `key = value`, not {line!r}")
        values = [v.strip() for v in raw_value.split(",")]
        context[key.strip()] = values if len(values) > 1 else values[0]
    return context


def explain(policy_text: str, action: str, resource: str, context_text: str | Mapping[str, Any] = "", *,
            policy_type: str = "IDENTITY", principal: str = DEFAULT_PRINCIPAL) -> Explanation:
    """Evaluate one request against the pasted policy and validate the policy, as the playground shows them."""
    findings = validate(policy_text, policy_type)
    try:
        context = parse_context(context_text)
    except ValueError as error:
        return Explanation(None, findings, f"The context keys could not be read: {error}")
    if not action.strip() or ":" not in action:
        return Explanation(None, findings, "Pick an action in the form service:Action, e.g. s3:GetObject.")
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return Explanation(None, findings, "The policy is not valid JSON; the findings below say where.")
    policies = {"identity_policies" if policy_type.upper() == "IDENTITY" else "resource_policies": [policy]}
    request = Request(principal=principal, action=action.strip(), resource=resource.strip() or "*", context=context)
    try:
        decision = evaluate(request, **policies)
    except (ValueError, TypeError, KeyError) as error:
        return Explanation(None, findings, f"IAM could not use this policy: {error}")
    return Explanation(decision, findings)


def render(result: Explanation) -> str:
    """The explanation as HTML: the verdict, the deciding statements, then the validator's findings."""
    if result.decision is None:
        parts = [f"<b>Cannot evaluate.</b> {html.escape(result.problem or '')}"]
    else:
        colour = COLOURS[result.decision.outcome]
        parts = [f"<b style='color:{colour}'>{result.label}</b>: {html.escape(result.decision.explanation)}"]
        rows = "".join(f"<li>{html.escape(str(ref))}</li>" for ref in result.decision.statements)
        parts.append(f"<p>Deciding statements:</p><ul>{rows}</ul>" if rows else
                     "<p>No statement applies to this request.</p>")
    items = "".join(f"<li>{html.escape(str(f))}</li>" for f in result.findings)
    parts.append(f"<p>Validator findings:</p><ul>{items}</ul>" if items else "<p>The validator found nothing.</p>")
    return "".join(parts)


class IamPlayground:
    """Text boxes for the policy and the request, a button, and the explanation under them."""

    def __init__(self, policy_text: str = STARTER_POLICY) -> None:
        wide = widgets.Layout(width="90%")
        self.policy = widgets.Textarea(value=policy_text, description="Policy", layout=widgets.Layout(
            width="90%", height="220px"))
        self.policy_type = widgets.ToggleButtons(options=["IDENTITY", "RESOURCE"], description="Policy type")
        self.principal = widgets.Text(value=DEFAULT_PRINCIPAL, description="Principal", layout=wide)
        self.action = widgets.Combobox(value=ACTIONS[0], options=list(ACTIONS), description="Action",
                                       ensure_option=False, layout=wide)
        self.resource = widgets.Text(value=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
                                     description="Resource", layout=wide)
        self.context = widgets.Textarea(value="", placeholder="aws:SourceAccount = 123456789012",
                                        description="Context", layout=wide)
        self.button = widgets.Button(description="Evaluate", button_style="primary")
        self.output = widgets.HTML()
        self.button.on_click(lambda _: self.update())
        self.widget = widgets.VBox([self.policy, self.policy_type, self.principal, self.action, self.resource,
                                    self.context, self.button, self.output])
        self.update()

    def update(self) -> Explanation:
        """Evaluate what the boxes hold and show it."""
        result = explain(self.policy.value, self.action.value, self.resource.value, self.context.value,
                         policy_type=self.policy_type.value, principal=self.principal.value)
        self.output.value = render(result)
        return result

    def _ipython_display_(self) -> None:
        display(self.widget)
