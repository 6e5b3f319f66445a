"""moto's S3 notifications and SNS subscriptions, delivered to Lambda as AWS delivers them.

Both services invoke a function asynchronously (Lambda's queue, retries, destinations and dead-letter queue), and
only when the function's resource-based policy grants them (`localaws.iam.function_policy`). moto calls the
function synchronously and checks nothing, so its two delivery functions are wrapped here; both are declared in
`localaws.seams`. The sandbox installs the wrappers when S3 or SNS is first called.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.utils import get_backend

from localaws import seams
from localaws.iam.function_policy import enforced, invoke_allowed
from localaws.runtime import moto_seam

_S3 = "moto.s3.notifications:_invoke_awslambda"
_SNS = "moto.sns.models:Subscription.publish"


def _s3_invoke(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """moto's S3 notification delivery to Lambda, after the function-policy check, as an asynchronous invoke."""
    deliver = seams.original(_S3)
    try:
        fn = get_backend(account_id, region_name).get_function(fn_arn)
    except LambdaClientError:  # no such function: moto's own delivery copes with (and swallows) it
        return deliver(account_id, event_body, fn_arn, region_name)
    bucket = event_body["Records"][0]["s3"]["bucket"]["name"]
    if invoke_allowed(fn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}", account_id):
        with moto_seam.asynchronous_delivery():  # S3 invokes asynchronously: Lambda retries, then its DLQ
            deliver(account_id, event_body, fn_arn, region_name)


def _sns_allowed(subscription: Any) -> bool:
    """Whether the function policy lets the topic invoke the subscribed function (True when there is none)."""
    region = subscription.endpoint.split(":")[3]
    try:
        fn = get_backend(subscription.account_id, region).get_function(subscription.endpoint)
    except LambdaClientError:  # no such function: moto's delivery handles it
        return True
    topic = subscription.topic
    return invoke_allowed(fn, "sns.amazonaws.com", topic.arn, topic.account_id)


def _sns_publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
    """moto's SNS delivery to one subscription; for a Lambda endpoint, after the function-policy check."""
    deliver = seams.original(_SNS)
    if self.protocol != "lambda":
        return deliver(self, message, message_id, *args, **kwargs)
    if enforced() and not _sns_allowed(self):
        return None
    with moto_seam.asynchronous_delivery():  # SNS invokes asynchronously too
        return deliver(self, message, message_id, *args, **kwargs)


def install() -> None:
    """Wrap moto's S3-to-Lambda and SNS-to-subscriber deliveries (idempotent)."""
    if seams.is_patched(_S3):
        return
    # functools.wraps keeps moto's own code reachable (inspect.unwrap) behind each wrapper
    seams.patch(_S3, functools.wraps(seams.original(_S3))(_s3_invoke))
    seams.patch(_SNS, functools.wraps(seams.original(_SNS))(_sns_publish))


def uninstall() -> None:
    """Give moto back its own delivery functions."""
    seams.restore(_S3)
    seams.restore(_SNS)
