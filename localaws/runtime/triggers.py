"""moto's S3 notifications and SNS subscriptions, delivered to Lambda as AWS delivers them.

Both services invoke a function asynchronously (Lambda's queue, retries, destinations and dead-letter queue), and
only when the function's resource-based policy grants them (`localaws.iam.function_policy`). moto calls the
function synchronously and checks nothing, so its two delivery functions are wrapped here. The events themselves
are the ones AWS sends (`localaws.runtime.trigger_events`): moto's S3 event gains what it leaves out, and its
template SNS event is replaced by one built from the real topic, subscription and message. Every attribute
replaced is declared in `localaws.seams`. The sandbox installs the wrappers when S3 or SNS is first called.
"""

from __future__ import annotations

import contextvars
import functools
import json
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.utils import get_backend

from localaws import seams
from localaws.iam.function_policy import enforced, invoke_allowed
from localaws.runtime import alias_routing, moto_seam
from localaws.runtime.trigger_events import SnsDelivery, s3_record, sns_event

_S3 = "moto.s3.notifications:_invoke_awslambda"
_S3_EVENT = "moto.s3.notifications:_get_s3_event"
_SNS = "moto.sns.models:Subscription.publish"
_SNS_EVENT = "moto.awslambda.models:LambdaBackend.send_sns_message"
_TARGETS = (_S3, _S3_EVENT, _SNS, _SNS_EVENT)
# The publish being delivered, for the SNS event that moto's Subscription.publish has Lambda build next.
_delivery: contextvars.ContextVar[SnsDelivery | None] = contextvars.ContextVar("sns_delivery", default=None)


def _s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    """moto's S3 event, completed as S3 sends it to every destination (Lambda, SQS, SNS)."""
    event = seams.original(_S3_EVENT)(event_name, bucket, key, notification_id)
    return {"Records": [s3_record(record, bucket, key) for record in event["Records"]]}


def _s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """moto's S3 notification delivery to Lambda, after the function-policy check, as an asynchronous invoke.

    A notification on a weighted alias runs the version its weights draw, with the alias as the invoked ARN.
    """
    deliver = seams.original(_S3)
    backend = get_backend(account_id, region_name)
    try:
        fn = backend.get_function(fn_arn)
    except LambdaClientError:  # no such function: moto's own delivery copes with (and swallows) it
        return deliver(account_id, event_body, fn_arn, region_name)
    bucket = event_body["Records"][0]["s3"]["bucket"]["name"]
    qualifier = alias_routing.qualifier_of(fn_arn)
    if not invoke_allowed(fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", account_id, qualifier):
        return None
    if qualifier is None:
        with moto_seam.asynchronous_delivery():  # S3 invokes asynchronously: Lambda retries, then its DLQ
            deliver(account_id, event_body, fn_arn, region_name)
        return None
    chosen = alias_routing.routed(backend, fn, qualifier)
    moto_seam.running_runtime().invoke_async(chosen, json.dumps(event_body).encode(), fn_arn)
    return None


def _sns_allowed(subscription: Any) -> bool:
    """Whether the function policy lets the topic invoke the subscribed function (True when there is none)."""
    region = subscription.endpoint.split(":")[3]
    try:
        fn = get_backend(subscription.account_id, region).get_function(subscription.endpoint)
    except LambdaClientError:  # no such function: moto's delivery handles it
        return True
    topic = subscription.topic
    return invoke_allowed(fn, "sns.amazonaws.com", topic.arn, topic.account_id,
                          alias_routing.qualifier_of(subscription.endpoint))


def _sns_publish(self: Any, message: str, message_id: str, subject: str | None = None,
                 message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:
    """moto's SNS delivery to one subscription; for a Lambda endpoint, after the function-policy check."""
    deliver = seams.original(_SNS)
    if self.protocol != "lambda":
        return deliver(self, message, message_id, subject, message_attributes, *args, **kwargs)
    if enforced() and not _sns_allowed(self):
        return None
    token = _delivery.set(SnsDelivery(self, message_id, dict(message_attributes or {})))
    try:
        with moto_seam.asynchronous_delivery():  # SNS invokes asynchronously too
            return deliver(self, message, message_id, subject, message_attributes, *args, **kwargs)
    finally:
        _delivery.reset(token)


def _send_sns_message(self: Any, function_name: str, message: str, subject: str | None = None,
                      qualifier: str | None = None) -> None:
    """moto's LambdaBackend.send_sns_message, with the event of the publish being delivered, not a template."""
    delivery = _delivery.get()
    if delivery is None:  # not called from a subscription's delivery: moto's own event
        return seams.original(_SNS_EVENT)(self, function_name, message, subject, qualifier)
    fn = self._lambdas.get_function_by_name_or_arn_with_qualifier(function_name, qualifier)
    fn = alias_routing.routed(self, fn, qualifier or alias_routing.qualifier_of(function_name))  # weighted alias
    fn.invoke(json.dumps(sns_event(delivery, message, subject)), {}, {})
    return None


def install() -> None:
    """Wrap moto's S3-to-Lambda and SNS-to-subscriber deliveries and the events they carry (idempotent)."""
    if seams.is_patched(_S3):
        return
    # functools.wraps keeps moto's own code reachable (inspect.unwrap) behind each wrapper
    replacements = {_S3: _s3_invoke, _S3_EVENT: _s3_event, _SNS: _sns_publish, _SNS_EVENT: _send_sns_message}
    for target, replacement in replacements.items():
        seams.patch(target, functools.wraps(seams.original(target))(replacement))


def uninstall() -> None:
    """Give moto back its own delivery functions and events."""
    for target in _TARGETS:
        seams.restore(target)
