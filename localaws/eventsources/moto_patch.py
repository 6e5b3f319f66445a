"""Stops moto from invoking functions inside SendMessage, so that the poller can do it as Lambda does.

moto 5.2's `Queue.add_message` stores a message and then, for every event source mapping of the queue,
receives a batch at once and invokes the function on the sender's thread, one call per message. That one
method is the seam: `install()` replaces it with one that stores the message exactly as moto does (FIFO
deduplication included), gives FIFO messages increasing sequence numbers, and wakes the poller. It also swaps
moto's retention-period check for one that does not recompute every queue attribute per message received and
deletes the expired message it meets, and moto's message counts for cheaper ones; both read the sandbox's
clock (localaws.eventsources.sqs_clock).
The attributes replaced here, and the pieces of moto's code they reproduce, are declared in
`localaws.seams`, which checks them against the installed moto before the sandbox starts.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from localaws import seams
from localaws.eventsources import sqs_clock, sqs_retention

_ADD_MESSAGE = "moto.sqs.models:Queue.add_message"
_RETENTION = "moto.sqs.models:SQSBackend.is_message_valid_based_on_retention_period"
_COUNTS = ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
           "approximate_number_of_messages_not_visible")
_listener: Callable[[], None] | None = None
# Real sequence numbers are 20-digit, increasing numbers; moto draws random ones, and only for some messages.
_sequence = itertools.count(10**19 + time.time_ns() // 1000)


def _is_duplicate(queue: Any, message: Any) -> bool:
    """FIFO deduplication, as moto performs it: same deduplication ID within the five-minute interval."""
    from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS  # moto loads at sandbox start: start-up time

    # moto's own code asks queue.attributes, which rebuilds every attribute (and counts all messages) per call
    if not getattr(queue, "content_based_deduplication", False) and not message.deduplication_id:
        return False
    return any(
        old.deduplication_id == message.deduplication_id
        and (message.sent_timestamp - old.sent_timestamp) / 1000 < DEDUPLICATION_TIME_IN_SECONDS
        for old in list(queue._messages)
    )


def _add_message(self: Any, message: Any) -> None:
    """Replacement for moto's Queue.add_message: store the message, then wake the poller (never invoke here)."""
    if self.fifo_queue:
        if _is_duplicate(self, message):
            return
        message.sequence_number = str(next(_sequence))
    with self._messages_lock:
        self._messages.append(message)
        self._messages_lock.notify_all()
    listener = _listener
    if listener is not None and self.lambda_event_source_mappings:
        listener()


def visible_count(queue: Any) -> int:
    """How many messages ReceiveMessage could return now: moto's `Queue.messages` rule, reading the clock once.

    moto's own property reads the clock twice per message, which makes polling a queue of a thousand messages
    take tens of milliseconds.
    """
    now = sqs_clock.now_ms()
    return sum(1 for message in list(queue._messages) if now > message.visible_at and now >= message.delayed_until)


def delayed_count(queue: Any) -> int:
    """moto's ApproximateNumberOfMessagesDelayed (messages still inside their delay), reading the clock once."""
    now = sqs_clock.now_ms()
    return sum(1 for message in list(queue._messages) if now < message.delayed_until)


def not_visible_count(queue: Any) -> int:
    """moto's ApproximateNumberOfMessagesNotVisible (received and in flight, or delayed), reading the clock once."""
    now = sqs_clock.now_ms()
    return sum(1 for message in list(queue._messages) if not now > message.visible_at)


def _counts() -> dict[str, property]:
    """The replacement Queue properties, by moto's names."""
    return {"approximate_number_of_messages": property(visible_count),
            "approximate_number_of_messages_delayed": property(delayed_count),
            "approximate_number_of_messages_not_visible": property(not_visible_count)}


def release_timed_out(queue: Any) -> None:
    """Forget in-flight marks of messages whose visibility timeout has ended (call with the queue's lock).

    moto releases them one by one while it scans a FIFO queue, so after a failed batch [A1, A2] it still sees
    A2 in flight when it reaches A1, skips A1 and delivers A2 first. Releasing them all before receiving keeps
    a message group in order.
    """
    for message in list(queue.pending_messages):
        if message.visible:
            queue.pending_messages.discard(message)


def _within_retention_period(self: Any, queue_name: str, message: Any) -> bool:
    """Replacement for SQSBackend.is_message_valid_based_on_retention_period: the same test on the sandbox's clock.

    moto's version computes every attribute of the queue (three passes over all its messages) to read one
    number, once per message received; a batch of ten from a queue of a thousand took half a second. An expired
    message is also deleted (localaws.eventsources.sqs_retention), so that it neither stays in flight nor hides
    the messages behind it from the next ReceiveMessage.
    """
    queue = self.get_queue(queue_name)
    if sqs_retention.retained(queue, message, sqs_clock.now_ms()):
        return True
    sqs_retention.drop(queue, message)  # deleted, as SQS deletes it, rather than left in flight
    return False


def listen(callback: Callable[[], None] | None) -> None:
    """Call `callback` (or nothing, for None) whenever a message arrives on a queue that has a mapping."""
    global _listener
    _listener = callback


def install() -> None:
    """Replace moto's Queue.add_message, retention check and message counts (idempotent)."""
    seams.verify()
    if seams.is_patched(_ADD_MESSAGE):
        return
    seams.patch(_ADD_MESSAGE, _add_message)
    seams.patch(_RETENTION, _within_retention_period)
    for name, replacement in _counts().items():
        seams.patch(f"moto.sqs.models:Queue.{name}", replacement)


def uninstall() -> None:
    """Give moto back its own methods."""
    for target in (_ADD_MESSAGE, _RETENTION, *(f"moto.sqs.models:Queue.{name}" for name in _COUNTS)):
        seams.restore(target)
