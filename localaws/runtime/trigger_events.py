"""The events S3 and SNS send to a function, filled in from the real bucket, object, topic and message.

moto builds an SNS event from a fixed template (an example topic, message id and 1970 timestamp) and an S3 event
without the caller, the request and the object's sequencer. These builders give the records the shape and the
values AWS documents; `localaws.runtime.triggers` puts them where moto builds its own.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

# Every caller reaches the sandbox over the loopback interface: its server listens on 127.0.0.1 only.
SOURCE_IP = "127.0.0.1"
_sequence_lock = threading.Lock()
_last_sequence = [0]  # the last sequencer handed out, in nanoseconds


@dataclass(frozen=True)
class SnsDelivery:
    """One Publish as one subscription receives it: moto's Subscription, the message id, the message's attributes."""

    subscription: Any
    message_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


def sns_event(delivery: SnsDelivery, message: str, subject: str | None) -> dict[str, Any]:
    """The event SNS invokes a subscribed function with, as the Lambda Developer Guide shows it."""
    subscription = delivery.subscription
    topic_arn = subscription.topic.arn
    # moto's own notification body: its timestamp, signature and signing certificate (which moto serves)
    signed = subscription.get_post_data(message, delivery.message_id, subject)
    region = topic_arn.split(":")[3]
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": delivery.message_id,
            "TopicArn": topic_arn,
            "Subject": subject or None,
            "Message": message,
            "Timestamp": signed["Timestamp"],
            "SignatureVersion": signed["SignatureVersion"],
            "Signature": signed["Signature"],
            "SigningCertUrl": signed["SigningCertURL"],
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
                              f"{subscription.arn}",
            "MessageAttributes": {name: {"Type": attribute["Type"], "Value": attribute["Value"]}
                                  for name, attribute in delivery.attributes.items()},
        },
    }]}


def sequencer() -> str:
    """An S3 event sequencer: hexadecimal, and greater for each later event, as S3 orders a key's events."""
    with _sequence_lock:
        _last_sequence[0] = max(_last_sequence[0] + 1, time.time_ns())
        return f"{_last_sequence[0]:018X}"


def _request_id() -> str:
    """An S3 request id in S3's form: sixteen upper-case hexadecimal digits."""
    return secrets.token_hex(8).upper()


def _host_id() -> str:
    """An S3 extended request id (x-amz-id-2), base64 as S3 writes it."""
    return base64.b64encode(secrets.token_bytes(48)).decode()


def s3_record(record: dict[str, Any], bucket: Any, key: Any) -> dict[str, Any]:
    """moto's S3 event record with what it leaves out: the caller, the request, the owner, sequencer, version.

    The sandbox does not track which principal made the request, so both identities name the bucket's account.
    """
    s3 = record["s3"]
    # URL-encoded with "+" for a space, as moto does, but S3 leaves a key's slashes as they are
    obj = {**s3["object"], "key": quote_plus(key.name, safe="/"), "sequencer": sequencer()}
    if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", None):
        obj["versionId"] = key.version_id
    return {
        **{name: record[name] for name in ("eventVersion", "eventSource", "awsRegion", "eventTime", "eventName")},
        "userIdentity": {"principalId": bucket.account_id},
        "requestParameters": {"sourceIPAddress": SOURCE_IP},
        "responseElements": {"x-amz-request-id": _request_id(), "x-amz-id-2": _host_id()},
        "s3": {**s3, "bucket": {"name": s3["bucket"]["name"], "ownerIdentity": {"principalId": bucket.account_id},
                                "arn": s3["bucket"]["arn"]}, "object": obj},
    }
