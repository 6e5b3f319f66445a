"""A queue's RedrivePolicy: after maxReceiveCount failed deliveries the message moves to the dead-letter queue."""

from __future__ import annotations

import json

from sqs_support import QUICK_RETRY, eventually, logged_batches, map_queue

ALWAYS_FAILS = ("def handler(event, context):\n    log_batch(event, time.time())\n"
                "    raise ValueError('cannot process ' + event['Records'][0]['body'])\n")


def test_poison_message_moves_to_the_dead_letter_queue(sb, make_queue, function):
    name = function(ALWAYS_FAILS, timeout=1)
    dead = make_queue("dead")
    queue = make_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": dead.arn, "maxReceiveCount": "2"}),
                       **QUICK_RETRY)
    map_queue(queue, name)
    queue.send("poison")
    eventually(lambda: dead.counts()[0] == 1, timeout=10)
    assert queue.counts() == (0, 0)
    assert [[record["count"] for record in batch["records"]] for batch in logged_batches(name)] == [["1"], ["2"]]
    (message,) = dead.drain()
    assert message["Body"] == "poison"
