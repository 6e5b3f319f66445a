"""The one seam in moto: SendMessage stores the message and the poller, not the sender's thread, invokes."""

from __future__ import annotations

import inspect
import time

import boto3
from sqs_support import bodies, logged_batches, map_queue

from localaws import seams
from localaws.eventsources import moto_patch

ADD_MESSAGE = "moto.sqs.models:Queue.add_message"


def test_seam_matches_installed_moto(sb):
    from moto.sqs.models import Queue

    assert seams.problems() == []
    assert Queue.add_message is moto_patch._add_message
    # moto's own method still invokes inside SendMessage; if that ever goes, this patch may be unnecessary
    assert "send_sqs_batch" in inspect.getsource(seams.original(ADD_MESSAGE))


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


def _backend_queue(name: str):
    """A queue made directly on moto's backend, in an account no other test uses."""
    from moto.sqs.models import sqs_backends

    backend = sqs_backends["000000000042"]["us-east-1"]
    backend.create_queue(name)
    return backend, backend.get_queue(name)


def test_message_counts_agree_with_motos_own(sb, unique):
    backend, queue = _backend_queue(f"counts-{unique}")
    for n in range(6):
        backend.send_message(queue.name, f"m{n}")
    backend.send_message(queue.name, "later", delay_seconds=60)
    backend.receive_message(queue.name, 2, 0, visibility_timeout=60)
    for name in moto_patch._COUNTS:
        ours, motos = getattr(queue, name), seams.original(f"moto.sqs.models:Queue.{name}").fget(queue)
        assert ours == motos, name
    assert (queue.approximate_number_of_messages, queue.approximate_number_of_messages_not_visible,
            queue.approximate_number_of_messages_delayed) == (4, 2, 1)  # in flight: the two received


def test_sending_does_not_scan_the_queue(sb, unique, monkeypatch):
    from moto.sqs.models import Message

    backend, queue = _backend_queue(f"fast-{unique}")
    for n in range(500):
        backend.send_message(queue.name, f"m{n}")
    ours = {id(message) for message in queue._messages}
    reads = []
    for flag in ("visible", "delayed"):
        original = getattr(Message, flag)
        monkeypatch.setattr(Message, flag, property(
            lambda self, original=original: (id(self) in ours and reads.append(1)) or original.fget(self)))
    for n in range(50):
        backend.send_message(queue.name, f"more {n}")
    assert reads == []  # moto's own code read each of the 500 messages' flags once or twice per send

