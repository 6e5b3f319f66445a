"""Delivery of matched events to Lambda, SQS, SNS and log-group targets.

moto's `Rule.send_to_targets` raises NotImplementedError for a Lambda or SNS target, ignores a target's `Input`
and `InputPath`, sends SQS targets a cut-down event (no `account`), and fails with a 500 when a constant input
carries a "time" text. We wrap that one method: for Lambda, SQS, SNS and log-group targets the text a target
receives comes from `localaws.eventbridge.target_input` (the same rules for every type) and is handed to that
service's backend directly; Lambda targets are invoked asynchronously, as EventBridge does, after the function
policy allows events.amazonaws.com for the rule. Archives, other buses and API destinations go on to moto.
The replaced method is declared in `localaws.seams`.
"""

from __future__ import annotations

import copy
import logging
import uuid
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.core.utils import unix_time_millis
from moto.logs import logs_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.utilities.arns import parse_arn

from localaws import seams
from localaws.eventbridge.target_input import target_text
from localaws.iam.function_policy import invoke_allowed
from localaws.runtime import alias_routing, moto_seam

EVENTS_PRINCIPAL = "events.amazonaws.com"
_SEND = "moto.events.models:Rule.send_to_targets"
log = logging.getLogger(__name__)


def _invoke_lambda(rule: Any, target: dict[str, Any], text: str) -> None:
    """Queue an asynchronous invocation, if the function's policy lets EventBridge invoke it for this rule."""
    arn = target["Arn"]
    parts = parse_arn(arn)
    backend = lambda_backends[parts.account][parts.region]
    fn = backend.get_function(arn)
    if invoke_allowed(fn, EVENTS_PRINCIPAL, rule.arn, rule.account_id, alias_routing.qualifier_of(arn)):
        chosen = alias_routing.routed_target(backend, arn)  # a target on a weighted alias splits by its weights
        moto_seam.running_runtime().invoke_async(chosen, text.encode(), arn)


def _publish_sns(rule: Any, target: dict[str, Any], text: str) -> None:
    parts = parse_arn(target["Arn"])
    sns_backends[parts.account][parts.region].publish(message=text, arn=target["Arn"])


def _send_sqs(rule: Any, target: dict[str, Any], text: str) -> None:
    """SendMessage on the SQS backend; a FIFO queue needs content-based deduplication, as moto already required."""
    parts = parse_arn(target["Arn"])
    backend = sqs_backends[parts.account][parts.region]
    group = (target.get("SqsParameters") or {}).get("MessageGroupId")
    queue = backend.get_queue(parts.resource_id)
    if group and not getattr(queue, "content_based_deduplication", False):  # set from the queue's attributes
        log.warning("EventBridge cannot send to FIFO queue %s: turn on content-based deduplication",
                    parts.resource_id)
        return
    backend.send_message(queue_name=parts.resource_id, message_body=text, group_id=group)


def _put_log_event(rule: Any, target: dict[str, Any], text: str) -> None:
    parts = parse_arn(target["Arn"])
    backend = logs_backends[parts.account][parts.region]
    stream = str(uuid.uuid4())
    backend.create_log_stream(parts.resource_id, stream)
    backend.put_log_events(parts.resource_id, stream, [{"timestamp": unix_time_millis(), "message": text}])


def _sender(arn: str) -> Any:
    """Our delivery function for this target's service, or None for the targets moto handles itself."""
    parts = parse_arn(arn)
    if parts.service == "logs":
        return _put_log_event if parts.resource_type == "log-group" else None
    return {"lambda": _invoke_lambda, "sqs": _send_sqs, "sns": _publish_sns}.get(parts.service)


def _send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
    if not self.event_pattern.matches_event(original_event):
        return
    for target in self.targets:
        send = _sender(target["Arn"])
        if send is not None:
            send(self, target, target_text(target, original_event, self, transform_input))
        else:
            single = copy.copy(self)
            single.targets = [target]
            seams.original(_SEND)(single, original_event, transform_input)


def install() -> None:
    """Wrap moto's Rule.send_to_targets (idempotent)."""
    if seams.is_patched(_SEND):
        return
    seams.verify()
    seams.patch(_SEND, _send_to_targets)
