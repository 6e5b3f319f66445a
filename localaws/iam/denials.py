"""Denied requests answered as each AWS service answers them: its error code, status, body format and message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from iampolicy.models import Decision, Outcome

from .identity import RoleSession


@dataclass(frozen=True)
class ErrorShape:
    """How a service reports a denial: error code, HTTP status, body format, and how it words the message."""

    code: str
    status: int
    body: str  # "json", "query" (XML ErrorResponse) or "s3" (XML Error)
    action_prefix: str | None = None  # SNS writes "SNS:Publish" in its messages
    quote_resource: bool = False  # S3 puts the resource ARN in quotes
    lower_action: bool = False  # SQS writes "sqs:sendmessage", in both places the action appears
    omit_unscoped: bool = False  # no "on resource: ..." for an action authorised on "*"
    given_name: str | None = None  # the request parameter whose value, as given, names the resource
    reason: bool = True  # whether the message ends with "because ..." / "with an explicit deny ..."


# Each service's wording, as its real denials read (public reports of the messages AWS returned):
# - S3, quoted ARN, 403: github.com/aws-samples/serverless-patterns/pull/2457,
#   github.com/aws-ia/terraform-aws-bedrock/issues/41
# - SQS, action in lower case in both places: github.com/aws/serverless-application-model/issues/3633
#   (SendMessageBatch denied as sqs:sendmessage), github.com/rebus-org/Rebus.AmazonSQS/issues/45,
#   github.com/microsoft/aspire/pull/3333; 403: github.com/aws/aws-sdk-php/issues/1623
# - SNS, "SNS:Publish", AuthorizationError, 403: github.com/aws-ia/terraform-aws-control_tower_account_factory/
#   issues/151, github.com/ministryofjustice/cloud-platform-environments/pull/21094
# - Secrets Manager names the secret as the caller gave it (a name, or an ARN), 400:
#   github.com/mongodb/awscdk-resources-mongodbatlas/issues/207, github.com/amzn/selling-partner-api-samples/
#   issues/76, github.com/binbashar/le-tf-infra-aws/pull/874; no "on resource" for ListSecrets:
#   github.com/Kralizek/AWSSecretsManagerConfigurationExtensions/issues/78,
#   github.com/terraform-aws-modules/terraform-aws-iam/pull/305
# - KMS, no "on resource" for an action on "*", 400: github.com/DataBiosphere/azul/pull/5628 (kms:TagResource)
# - Lambda keeps "on resource: *", 403: github.com/RhinoSecurityLabs/cloudgoat/issues/384 (lambda:ListFunctions)
# - STS AssumeRole ends at the role ARN, with no reason clause, 403: github.com/aws/karpenter-provider-aws/
#   issues/4680, github.com/data-dot-all/dataall/pull/1873, github.com/Netflix/security_monkey/issues/77
# - DynamoDB and CloudWatch Logs, AccessDeniedException, 400: github.com/appsmithorg/appsmith/issues/21846,
#   github.com/elastic/apm-aws-lambda/issues/526
SHAPES: dict[str, ErrorShape] = {
    "s3": ErrorShape("AccessDenied", 403, "s3", quote_resource=True),
    "sts": ErrorShape("AccessDenied", 403, "query", reason=False),
    "iam": ErrorShape("AccessDenied", 403, "query"),
    "sns": ErrorShape("AuthorizationError", 403, "query", action_prefix="SNS"),
    "sqs": ErrorShape("AccessDenied", 403, "json", lower_action=True),
    "lambda": ErrorShape("AccessDeniedException", 403, "json"),
    "kms": ErrorShape("AccessDeniedException", 400, "json", omit_unscoped=True),
    "secretsmanager": ErrorShape("AccessDeniedException", 400, "json", omit_unscoped=True, given_name="SecretId"),
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


def _spelled(shape: ErrorShape, action: str) -> str:
    if shape.action_prefix:
        action = f"{shape.action_prefix}:{action.split(':', 1)[1]}"
    return action.lower() if shape.lower_action else action


def _resource_clause(shape: ErrorShape, resource: str, params: dict[str, Any] | None) -> str:
    if resource == "*" and shape.omit_unscoped:
        return ""
    if shape.given_name and params and params.get(shape.given_name):
        resource = str(params[shape.given_name])
    return f' on resource: "{resource}"' if shape.quote_resource else f" on resource: {resource}"


def message(session: RoleSession, action: str, resource: str, decision: Decision, service: str,
            params: dict[str, Any] | None = None) -> str:
    """AWS's sentence naming the principal, the action, the resource and why it was refused, as `service` words it."""
    shape = SHAPES.get(service, DEFAULT_SHAPE)
    action = _spelled(shape, action)
    text = f"User: {session.arn} is not authorized to perform: {action}{_resource_clause(shape, resource, params)}"
    return f"{text} {_reason(decision, action)}" if shape.reason else text


def status(service: str) -> int:
    """The HTTP status a service answers a denial with."""
    return SHAPES.get(service, DEFAULT_SHAPE).status


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
