"""SQS follows the sandbox's clock: visibility timeouts, delays, retention, long polls and mappings move with it.

Every test moves the clock with `sb.clock.advance()` instead of sleeping, and only by amounts measured from the
clock's own time, so the tests hold whatever earlier tests did to the (shared) clock.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
from sqs_support import Queue, bodies, eventually, history, logged_batches, map_queue

from localaws.eventsources import sqs_clock
from localaws.runtime.clock import Clock

LOG_ATTRIBUTES = ("def handler(event, context):\n"
                  "    log_batch(event, time.time(), attributes=[r['attributes'] for r in event['Records']])\n")
ALWAYS_FAILS = ("def handler(event, context):\n    log_batch(event, time.time())\n"
                "    raise ValueError('cannot process ' + event['Records'][0]['body'])\n")


def _receive(queue: Queue, wait: int = 0) -> list[dict[str, Any]]:
    """ReceiveMessage (short poll unless `wait`), every attribute included; the messages stay in flight."""
    response = boto3.client("sqs").receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                                   AttributeNames=["All"])
    return response.get("Messages", [])


def _attributes(queue: Queue) -> dict[str, str]:
    return boto3.client("sqs").get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]


class _LongPoll(threading.Thread):
    """A ReceiveMessage long poll on its own thread, with the real time it took."""

    def __init__(self, queue: Queue, wait: int) -> None:
        super().__init__(daemon=True)
        self.queue, self.wait = queue, wait
        self.messages: list[dict[str, Any]] | None = None
        self.returned_at = 0.0

    def run(self) -> None:
        self.messages = _receive(self.queue, self.wait)
        self.returned_at = time.monotonic()


def _start_long_poll(queue: Queue, wait: int) -> _LongPoll:
    poll = _LongPoll(queue, wait)
    poll.start()
    time.sleep(0.5)  # long enough for the request to reach moto and start waiting
    assert poll.is_alive(), "the long poll returned before anything was visible"
    return poll


def _long_poll_across(sb: Any, queue: Queue, seconds: float) -> list[str]:
    """The bodies a 20 s long poll gets when the clock moves `seconds` meanwhile; it must answer within 5 s."""
    poll = _start_long_poll(queue, 20)
    moved_at = time.monotonic()
    sb.clock.advance(seconds)
    poll.join(10)
    assert not poll.is_alive() and poll.messages is not None, "the long poll did not answer"
    assert poll.returned_at - moved_at < 5
    return [message["Body"] for message in poll.messages]


def test_the_running_sandbox_makes_sqs_follow_its_clock(sb):
    assert sqs_clock.active() is sb.clock
    before = sb.clock.now()
    assert before <= sqs_clock.now() <= sb.clock.now()


def test_sqs_goes_back_to_the_clock_it_followed_before_and_to_real_time_without_one(sb, monkeypatch):
    first, second = Clock(), Clock()
    try:
        second.advance(7200)
        sqs_clock.follow(first)
        sqs_clock.follow(second)
        assert sqs_clock.active() is second and sqs_clock.now() >= time.time() + 7199
        sqs_clock.release(second)
        assert sqs_clock.active() is first
        sqs_clock.release(first)
        assert sqs_clock.active() is sb.clock
    finally:
        sqs_clock.release(second)
        sqs_clock.release(first)
        first.stop()
        second.stop()
    monkeypatch.setattr(sqs_clock, "_followed", [])
    assert sqs_clock.active() is None and abs(sqs_clock.now() - time.time()) < 1


def test_a_reset_keeps_sqs_on_the_sandbox_clock(sb, make_queue):
    followed = len(sqs_clock._followed)
    sb.reset()
    assert sqs_clock.active() is sb.clock and len(sqs_clock._followed) == followed
    queue = make_queue(DelaySeconds="600")
    queue.send("after reset")
    sb.clock.advance(601)
    assert [message["Body"] for message in _receive(queue)] == ["after reset"]


def test_a_received_message_reappears_only_after_its_visibility_timeout(sb, make_queue):
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html:
    a received message stays in the queue but is hidden from other consumers until its visibility timeout ends."""
    queue = make_queue(VisibilityTimeout="120")
    (message_id,) = queue.send("hidden for two minutes")
    (first,) = _receive(queue)
    assert first["MessageId"] == message_id and first["Attributes"]["ApproximateReceiveCount"] == "1"
    sb.clock.advance(100)
    assert _receive(queue) == [] and queue.counts() == (0, 1)
    sb.clock.advance(21)
    assert queue.counts() == (1, 0)
    (again,) = _receive(queue)
    assert again["MessageId"] == message_id and again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_a_delayed_message_appears_only_after_its_delay(sb, make_queue):
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html:
    messages sent to a delay queue stay invisible to consumers for the delay period."""
    queue = make_queue(DelaySeconds="600")
    queue.send("queue delay")
    queue.send("message delay", DelaySeconds=300)
    assert _receive(queue) == [] and _attributes(queue)["ApproximateNumberOfMessagesDelayed"] == "2"
    sb.clock.advance(290)
    assert _receive(queue) == []
    sb.clock.advance(20)
    (shorter,) = _receive(queue)
    assert shorter["Body"] == "message delay"
    boto3.client("sqs").delete_message(QueueUrl=queue.url, ReceiptHandle=shorter["ReceiptHandle"])
    sb.clock.advance(300)
    assert [message["Body"] for message in _receive(queue)] == ["queue delay"]


def test_a_message_older_than_the_retention_period_is_deleted(sb, make_queue):
    """MessageRetentionPeriod, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/
    API_SetQueueAttributes.html: the length of time, in seconds, for which SQS retains a message."""
    queue = make_queue(MessageRetentionPeriod="60")
    queue.send("old")
    sb.clock.advance(30)
    queue.send("new")
    assert queue.counts() == (2, 0)
    sb.clock.advance(31)  # "old" is 61 s old, "new" 31 s
    assert queue.counts() == (1, 0)
    assert [message["Body"] for message in _receive(queue)] == ["new"]
    sb.clock.advance(30)
    assert queue.counts() == (0, 0)  # deleted while in flight too
    sb.clock.advance(600)
    assert _receive(queue) == [] and queue.counts() == (0, 0)


def test_an_expired_message_met_by_receive_is_deleted_and_hides_nothing(sb, make_queue, monkeypatch):
    """Between two ticks of the clock ReceiveMessage can meet an expired message: it goes, the rest come back."""
    queue = make_queue(MessageRetentionPeriod="60")
    queue.send("old")
    sb.clock.advance(30)
    queue.send("new")
    monkeypatch.setattr(sqs_clock, "_ticked", lambda clock: None)  # this move of the clock deletes nothing
    sb.clock.advance(31)
    assert [message["Body"] for message in _receive(queue)] == []  # moto stops at the expired message
    assert [message["Body"] for message in _receive(queue)] == ["new"]  # which is gone, not in flight
    assert queue.counts() == (0, 1)


def test_a_long_poll_returns_as_soon_as_a_move_of_the_clock_ends_a_visibility_timeout(sb, make_queue):
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html:
    long polling returns messages as soon as they become available, without waiting out the wait time."""
    queue = make_queue(VisibilityTimeout="12")
    queue.send("back soon")
    assert len(_receive(queue)) == 1
    # visible again within the poll's wait time, which still has about 7 s to run
    assert _long_poll_across(sb, queue, 12) == ["back soon"]


def test_a_long_poll_returns_as_soon_as_a_move_of_the_clock_ends_a_delay(sb, make_queue):
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html"""
    queue = make_queue()
    queue.send("delayed", DelaySeconds=15)
    assert _long_poll_across(sb, queue, 15) == ["delayed"]


def test_a_long_poll_ends_empty_when_the_clock_passes_its_wait_time(sb, make_queue):
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html:
    with nothing to return, a long poll answers empty once the wait time has passed, on the sandbox's clock; a
    message that becomes visible only after that is not in its answer."""
    queue = make_queue()
    queue.send("too late", DelaySeconds=60)
    assert _long_poll_across(sb, queue, 61) == []


def test_message_timestamps_in_the_api_and_in_the_event_are_clock_time(sb, make_queue, function):
    """SentTimestamp and ApproximateFirstReceiveTimestamp, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/
    APIReference/API_ReceiveMessage.html, and the same attributes in the event Lambda sends,
    https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html."""
    sb.clock.advance(3600)  # clock time is now at least an hour ahead of real time
    name, queue, plain = function(LOG_ATTRIBUTES), make_queue(), make_queue("plain")
    before = sb.clock.now() * 1000
    plain.send("read by hand")
    (received,) = _receive(plain)
    uuid = map_queue(queue, name)
    queue.send("read by the mapping")
    assert sb.wait_idle(15)
    after = sb.clock.now() * 1000
    attributes = logged_batches(name)[0]["attributes"][0]
    for found in (received["Attributes"], attributes):
        sent, first_received = int(found["SentTimestamp"]), int(found["ApproximateFirstReceiveTimestamp"])
        assert before - 1 <= sent <= first_received <= after + 1, found
    (record,) = history(sb, uuid)
    assert before / 1000 <= record.started <= record.finished <= after / 1000


def test_the_batching_window_runs_on_the_clock(sb, make_queue, function):
    """MaximumBatchingWindowInSeconds, https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html:
    Lambda gathers records for up to the window before it invokes the function with a partial batch."""
    name, queue = function(LOG_ATTRIBUTES), make_queue()
    map_queue(queue, name, BatchSize=10, MaximumBatchingWindowInSeconds=300)
    queue.send("a", "b")
    time.sleep(0.5)
    assert logged_batches(name) == [] and queue.counts() == (2, 0)
    sb.clock.advance(301)
    batch = eventually(lambda: logged_batches(name), timeout=5)[0]
    assert sorted(record["body"] for record in batch["records"]) == ["a", "b"]


def test_retries_and_redrive_to_the_dead_letter_queue_follow_the_clock(sb, make_queue, function):
    """https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html: a failed batch returns to the
    queue when its visibility timeout ends; after maxReceiveCount receives the queue's redrive policy moves it to
    the dead-letter queue (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/
    sqs-dead-letter-queues.html)."""
    name, dead = function(ALWAYS_FAILS), make_queue("dead")
    policy = json.dumps({"deadLetterTargetArn": dead.arn, "maxReceiveCount": "2"})
    queue = make_queue(VisibilityTimeout="600", RedrivePolicy=policy)
    uuid = map_queue(queue, name)
    queue.send("poison")
    eventually(lambda: len(history(sb, uuid)) == 1, timeout=10)
    assert sb.wait_idle(10)
    time.sleep(0.5)
    assert len(history(sb, uuid)) == 1 and queue.counts() == (0, 1)  # in flight for ten minutes of clock time
    sb.clock.advance(601)
    eventually(lambda: len(history(sb, uuid)) == 2, timeout=10)
    assert sb.wait_idle(10) and queue.counts() == (0, 1) and dead.counts() == (0, 0)
    sb.clock.advance(601)
    eventually(lambda: dead.counts() == (1, 0), timeout=10)
    assert sb.wait_idle(10)
    assert queue.counts() == (0, 0)
    assert [record.outcome for record in history(sb, uuid)] == ["function_error", "function_error"]
    assert [[record["count"] for record in batch["records"]] for batch in logged_batches(name)] == [["1"], ["2"]]
    assert bodies(logged_batches(name)) == [["poison"], ["poison"]]
    assert [message["Body"] for message in dead.drain()] == ["poison"]
