"""The SQS event source mappings moto holds, each with its queue and the backends that own them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SqsMapping:
    """One mapping from a queue to a function, with everything the poller needs to serve it."""

    mapping: Any  # moto's EventSourceMapping
    queue: Any  # moto's Queue
    sqs: Any  # the SQSBackend that owns the queue
    functions: Any  # the LambdaBackend that owns the mapping

    @property
    def uuid(self) -> str:
        return str(self.mapping.uuid)


def _queue(arn: str) -> tuple[Any, Any] | None:
    """The SQS backend and queue an ARN (arn:aws:sqs:region:account:name) names, if the queue exists."""
    from moto.sqs.models import sqs_backends  # moto loads at sandbox start: start-up time

    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        return None
    backend = sqs_backends[parts[4]][parts[3]]
    queue = backend.queues.get(parts[5])
    return (backend, queue) if queue is not None else None


def sqs_mappings() -> Iterator[SqsMapping]:
    """Every mapping whose source is an existing SQS queue (deleted mappings are gone from moto's registry)."""
    from moto.awslambda.models import lambda_backends  # moto loads at sandbox start: start-up time

    for regions in list(lambda_backends.values()):
        for backend in list(regions.values()):
            for mapping in list(backend._event_source_mappings.values()):
                found = _queue(mapping.event_source_arn)
                if found is not None:
                    yield SqsMapping(mapping, found[1], found[0], backend)
