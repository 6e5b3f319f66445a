"""Event source mappings that behave as Lambda's: SQS queues polled in batches by a background poller.

    from localaws.eventsources import SqsPoller, install
    install()                       # moto stops invoking functions inside SendMessage
    poller = SqsPoller(runtime)     # the sandbox creates one, starts it, and stops it on reset and stop
    poller.wait_idle(timeout=30)    # until no batch is in flight and mapped queues show no visible message
    poller.history                  # the last batches: message IDs, which were kept, and why
"""

from __future__ import annotations

from localaws.eventsources.moto_patch import install
from localaws.eventsources.poller import BatchRecord, SqsPoller

__all__ = ["BatchRecord", "SqsPoller", "install"]
