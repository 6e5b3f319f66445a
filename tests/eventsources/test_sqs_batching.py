"""BatchSize and MaximumBatchingWindowInSeconds: a batch goes when it is full or its window has passed."""

from __future__ import annotations

import time

from sqs_support import bodies, eventually, logged_batches, map_queue

HANDLER = "def handler(event, context):\n    log_batch(event, time.time())\n"


def test_batches_hold_at_most_batch_size(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    sent = [f"m{i}" for i in range(25)]
    queue.send(*sent)
    map_queue(queue, name, BatchSize=10)
    assert sb.wait_idle(15)
    batches = bodies(logged_batches(name))
    assert sorted(len(batch) for batch in batches) == [5, 10, 10]
    assert sorted(body for batch in batches for body in batch) == sorted(sent)
    assert queue.counts() == (0, 0)


def test_window_holds_a_partial_batch_until_it_passes(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    queue.send("a", "b", "c")
    map_queue(queue, name, BatchSize=10, MaximumBatchingWindowInSeconds=2)
    time.sleep(1)
    assert logged_batches(name) == []
    assert queue.counts() == (3, 0)
    queue.send("d")
    assert sb.wait_idle(15)
    assert [sorted(batch) for batch in bodies(logged_batches(name))] == [["a", "b", "c", "d"]]


def test_a_full_batch_does_not_wait_for_the_window(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    map_queue(queue, name, BatchSize=3, MaximumBatchingWindowInSeconds=5)
    queue.send("a", "b")
    time.sleep(0.5)
    assert logged_batches(name) == []
    queue.send("c")
    sent_at = time.time()
    batch = eventually(lambda: logged_batches(name), timeout=4)[0]
    assert sorted(record["body"] for record in batch["records"]) == ["a", "b", "c"]
    assert batch["started"] - sent_at < 2  # the window would have held it for another 4.5 s


def test_window_zero_sends_as_soon_as_messages_arrive(sb, make_queue, function):
    name, queue = function(HANDLER), make_queue()
    map_queue(queue, name, BatchSize=10)
    queue.send("only one")
    sent_at = time.time()
    batch = eventually(lambda: logged_batches(name), timeout=5)[0]
    assert [record["body"] for record in batch["records"]] == ["only one"]
    assert batch["started"] - sent_at < 2
