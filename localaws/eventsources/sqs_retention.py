"""SQS deletes a message once it is older than its queue's MessageRetentionPeriod: moto only stops returning it.

moto 5.2 checks retention inside ReceiveMessage after it has already marked the message received, and on an
expired one stops scanning: the message stays in the queue, in flight, still counted, and it hides the messages
sent after it. Here expired messages are removed outright, as SQS removes them: whenever the sandbox's clock
ticks or is moved (localaws.eventsources.sqs_clock) and whenever ReceiveMessage meets one
(localaws.eventsources.moto_patch). Age counts from the message's SentTimestamp, which a dead-letter queue keeps.
"""

from __future__ import annotations

from typing import Any


def retained(queue: Any, message: Any, now_ms: float) -> bool:
    """Whether the message is still within its queue's retention period at `now_ms` (clock time, in ms)."""
    retention_ms = int(queue.message_retention_period) * 1000
    return bool(message.sent_timestamp + retention_ms > now_ms)


def drop(queue: Any, message: Any) -> None:
    """Remove one message from its queue, in flight or not (its receipt handles stop working, as on SQS)."""
    with queue._messages_lock:
        queue._messages = [kept for kept in queue._messages if kept is not message]
        queue.pending_messages.discard(message)


def drop_expired(queue: Any, now_ms: float) -> int:
    """Remove every message of the queue past its retention period; returns how many went."""
    with queue._messages_lock:
        expired = [message for message in list(queue._messages) if not retained(queue, message, now_ms)]
        if expired:
            gone = {id(message) for message in expired}
            queue._messages = [message for message in queue._messages if id(message) not in gone]
            for message in expired:
                queue.pending_messages.discard(message)
    return len(expired)


def every_queue() -> list[Any]:
    """Every queue of every account and region moto holds now."""
    from moto.sqs.models import sqs_backends  # moto loads at sandbox start: start-up time

    return [queue for regions in list(sqs_backends.values()) for backend in list(regions.values())
            for queue in list(backend.queues.values())]
