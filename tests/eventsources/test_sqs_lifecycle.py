"""Enabling, disabling and deleting mappings; waiting for them to drain; reset and restart of the poller."""

from __future__ import annotations

import time

import boto3
from sqs_support import bodies, logged_batches, map_queue

HANDLER = "def handler(event, context):\n    log_batch(event, time.time())\n    time.sleep(0.05)\n"


def test_disabled_mapping_does_not_poll_until_enabled(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    uuid = map_queue(queue, name, Enabled=False)
    queue.send("waiting")
    assert sb.wait_idle(5)  # a disabled mapping's queue is not something to wait for
    time.sleep(0.3)
    assert logged_batches(name) == [] and queue.counts() == (1, 0)
    boto3.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    assert sb.wait_idle(10)
    assert bodies(logged_batches(name)) == [["waiting"]]
    assert queue.counts() == (0, 0)


def test_deleted_mapping_stops_polling(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    uuid = map_queue(queue, name)
    queue.send("before")
    assert sb.wait_idle(10)
    boto3.client("lambda").delete_event_source_mapping(UUID=uuid)
    queue.send("after")
    time.sleep(0.3)
    assert bodies(logged_batches(name)) == [["before"]]
    assert queue.counts() == (1, 0)


def test_wait_idle_returns_when_every_message_is_processed(sb, make_queue, function):
    # a visibility timeout longer than any batch can take on a busy machine, so no message is delivered twice
    name, queue = function(HANDLER), make_queue(VisibilityTimeout="30")
    map_queue(queue, name, BatchSize=5)
    sent = [f"job-{n}" for n in range(30)]
    queue.send(*sent)
    assert sb.wait_idle(20)
    assert queue.counts() == (0, 0)
    assert sorted(body for batch in bodies(logged_batches(name)) for body in batch) == sorted(sent)


def test_reset_stops_the_poller_and_starts_it_again(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    map_queue(queue, name)
    queue.send("before reset")
    assert sb.wait_idle(10)
    old_thread = sb.sqs_poller._thread
    sb.reset()
    assert not old_thread.is_alive()
    assert sb.sqs_poller._thread is not None and sb.sqs_poller._thread.is_alive()
    name, queue = function(HANDLER, name="after-reset"), make_queue("after-reset")
    map_queue(queue, name)
    queue.send("after reset")
    assert sb.wait_idle(10)
    assert bodies(logged_batches(name)) == [["after reset"]]
