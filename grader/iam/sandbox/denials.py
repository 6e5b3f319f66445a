"""Denied requests answered as each AWS service answers them: its error code, status, body format and message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from grader.iam.models import Decision, Outcome

from .identity import RoleSession


@dataclass(frozen=True)
class ErrorShape:
    """How a service reports a denial: error code, HTTP status, body format, and how it spells actions."""

    code: str
    status: int
    body: str  # "json", "query" (XML ErrorResponse) or "s3" (XML Error)
    action_prefix: str | None = None  # SNS writes "SNS:Publish" in its messages
    quote_resource: bool = False  # S3 puts the resource ARN in quotes


SHAPES: dict[str, ErrorShape] = {
    "s3": ErrorShape("AccessDenied", 403, "s3", quote_resource=True),
    "sts": ErrorShape("AccessDenied", 403, "query"),
    "iam": ErrorShape("AccessDenied", 403, "query"),
    "sns": ErrorShape("AuthorizationError", 403, "query", action_prefix="SNS"),
    "sqs": ErrorShape("AccessDenied", 403, "json"),
    "lambda": ErrorShape("AccessDeniedException", 403, "json"),
}
DEFAULT_SHAPE = ErrorShape("AccessDeniedException", 400, "json")


class AccessDenied(HTTPException):
    """A denial moto hands back unchanged: werkzeug's HTTPException carries our status and body."""

    def __init__(self, status: int, body: str, content_type: str, error_code: str, message: str) -> None:
        super().__init__(description=body)
        self.code = status
        self.content_type = content_type
        self.error_code = error_code
        self.message = message

    def get_body(self, *args: object, **kwargs: object) -> str:
        return self.description or ""

    def get_headers(self, *args: object, **kwargs: object) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), ("x-amzn-ErrorType", self.error_code)]


def _reason(decision: Decision, action: str) -> str:
    """The clause AWS ends its message with, from which kind of policy decided."""
    if decision.outcome is Outcome.EXPLICIT_DENY:
        kinds = {ref.policy_type for ref in decision.statements}
        kind = next((k for k in ("service control policy", "resource control policy", "permissions boundary",
                                 "session policy", "resource-based policy") if k in kinds), "identity-based policy")
        article = "an" if kind[0] in "aeiou" else "a"
        return f"with an explicit deny in {article} {kind}"
    text = decision.explanation
    for kind in ("permissions boundary", "session policy", "resource-based policy"):
        if kind in text and ("does not" in text or f"no {kind}" in text):
            return f"because no {kind} allows the {action} action"
    return f"because no identity-based policy allows the {action} action"


def message(session: RoleSession, action: str, resource: str, decision: Decision, service: str) -> str:
    """AWS's sentence naming the principal, the action, the resource and why it was refused."""
    shape = SHAPES.get(service, DEFAULT_SHAPE)
    if shape.action_prefix:
        action = f"{shape.action_prefix}:{action.split(':', 1)[1]}"
    shown = f'"{resource}"' if shape.quote_resource else resource
    return (f"User: {session.arn} is not authorized to perform: {action} on resource: {shown} "
            f"{_reason(decision, action)}")


def denial(service: str, text: str, request_id: str = "0") -> AccessDenied:
    """The exception that makes moto answer with the service's own denial."""
    shape = SHAPES.get(service, DEFAULT_SHAPE)
    if shape.body == "json":
        body = json.dumps({"__type": shape.code, "message": text, "Message": text})
        return AccessDenied(shape.status, body, "application/x-amz-json-1.1", shape.code, text)
    if shape.body == "s3":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{shape.code}</Code>'
                f"<Message>{escape(text)}</Message><RequestId>{request_id}</RequestId></Error>")
        return AccessDenied(shape.status, body, "application/xml", shape.code, text)
    body = (f'<ErrorResponse xmlns="https://{service}.amazonaws.com/doc/"><Error><Type>Sender</Type>'
            f"<Code>{shape.code}</Code><Message>{escape(text)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return AccessDenied(shape.status, body, "text/xml", shape.code, text)
