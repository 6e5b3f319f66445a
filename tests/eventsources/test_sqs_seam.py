"""The one seam in moto: SendMessage stores the message and the poller, not the sender's thread, invokes."""

from __future__ import annotations

import inspect
import time

import boto3
import moto
import pytest
from sqs_support import bodies, logged_batches, map_queue

from grader.eventsources import moto_patch


def test_seam_matches_installed_moto(sb):
    from moto.sqs.models import Queue

    moto_patch.check_moto()
    assert Queue.add_message is moto_patch._add_message
    # moto's own method still invokes inside SendMessage; if that ever goes, this patch may be unnecessary
    assert "send_sqs_batch" in inspect.getsource(moto_patch._original["add_message"])


def test_seam_refuses_other_moto_versions(monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    with pytest.raises(RuntimeError, match=r"moto 5\.2\.x"):
        moto_patch.check_moto()


def test_send_message_returns_before_the_function_runs(sb, make_queue, function):
    name = function("def handler(event, context):\n    started = time.time()\n    time.sleep(1)\n"
                    "    log_batch(event, started)\n")
    queue = make_queue(VisibilityTimeout="5")
    map_queue(queue, name)
    queue.send("slow job")
    returned_at = time.time()
    assert sb.wait_idle(15)
    (batch,) = logged_batches(name)
    assert bodies([batch]) == [["slow job"]]
    assert returned_at < batch["ended"]  # moto's own trigger would have run the handler inside SendMessage
    assert queue.counts() == (0, 0)


def test_fifo_deduplication_and_sequence_numbers(sb, make_queue):
    queue = make_queue(fifo=True, ContentBasedDeduplication="true")
    sqs = boto3.client("sqs")
    sent = [sqs.send_message(QueueUrl=queue.url, MessageBody=body, MessageGroupId="g") for body in ("a", "a", "b")]
    assert queue.counts() == (2, 0)  # the second "a" was a duplicate within the deduplication interval
    numbers = [int(response["SequenceNumber"]) for response in (sent[0], sent[2])]
    assert numbers[0] < numbers[1] and all(len(str(n)) == 20 for n in numbers)
