"""What CreateEventSourceMapping and UpdateEventSourceMapping refuse for an SQS queue, before anything is stored.

In the order the sandbox checks them: BatchSize and MaximumBatchingWindowInSeconds inside the ranges of Lambda's
API model (one ValidationException listing every violation); the function must exist; a FIFO queue takes at most
10 messages a batch and no batching window; a standard queue takes more than 10 only with a window of at least
1 s; the queue's visibility timeout may not be shorter than the function's timeout; and the execution role must
be allowed sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the queue. A queue that does not
exist is refused by moto itself. Other sources (streams) may add checks of their own with `add_check`.
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html
https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from localaws import seams
from localaws.credentials import service_model
from localaws.facts import value
from localaws.runtime import alias_routing, role_access
from localaws.runtime.refusal import Refusal, range_violation, validation_refusal

CREATE = "moto.awslambda.models:LambdaBackend.create_event_source_mapping"
UPDATE = "moto.awslambda.models:LambdaBackend.update_event_source_mapping"
# What Lambda calls on the queue as the execution role, in the order it names a missing one.
QUEUE_ACTIONS = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
_BOUNDED = ("BatchSize", "MaximumBatchingWindowInSeconds")
INVALID = "InvalidParameterValueException"
# A further check: (function, queue or other source ARN, the mapping's values after the request) -> Refusal.
MappingCheck = Callable[[Any, str, Mapping[str, Any]], Refusal | None]
_checks: list[MappingCheck] = []


def add_check(check: MappingCheck) -> None:
    """Have `check` run on every mapping created or updated, after the SQS checks here (idempotent)."""
    if check not in _checks:
        _checks.append(check)


def _range(member: str) -> tuple[int, int]:
    """The (min, max) of a numeric member of CreateEventSourceMapping, from botocore's model of Lambda."""
    shape = service_model("lambda").operation_model("CreateEventSourceMapping").input_shape.members[member]
    return int(shape.metadata["min"]), int(shape.metadata["max"])


def bounds_refusal(spec: Mapping[str, Any]) -> Refusal | None:
    """BatchSize and MaximumBatchingWindowInSeconds outside the API's ranges, all in one ValidationException."""
    return validation_refusal([text for member in _BOUNDED
                               if (text := range_violation(member, spec.get(member), *_range(member)))])


def batching_refusal(fifo: bool, batch_size: int | None, window: int | None) -> Refusal | None:
    """The batch size and window an SQS queue of this kind does not take, as Lambda refuses them."""
    if fifo and window:
        return Refusal(INVALID, "Batching window is not supported for FIFO queues")
    if fifo and batch_size is not None and batch_size > value("sqs_fifo_batch_size_max"):
        return Refusal(INVALID, f"Maximum batch size must be between 1 and {value('sqs_fifo_batch_size_max')} "
                                "inclusive")
    if batch_size is not None and batch_size > value("sqs_batch_size_no_window_max") and not window:
        return Refusal(INVALID, "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                                f"greater than {value('sqs_batch_size_no_window_max')}")
    return None


def visibility_refusal(queue: Any, fn: Any) -> Refusal | None:
    """A queue whose visibility timeout is shorter than the function's timeout: Lambda refuses the mapping."""
    visibility, timeout = int(float(queue.visibility_timeout)), int(float(fn.timeout))
    if visibility >= timeout:
        return None
    return Refusal(INVALID, f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
                            f"{timeout} seconds")


def permission_refusal(fn: Any, queue_arn: str) -> Refusal | None:
    """The first queue action the execution role may not call, in Lambda's words, or None."""
    for action in QUEUE_ACTIONS:
        if not role_access.allowed(fn, f"sqs:{action}", queue_arn):
            return Refusal(INVALID, f"The function execution role does not have permissions to call {action} on SQS")
    return None


def _queue(queue_arn: str) -> Any:
    """moto's queue with this ARN, or None (not an SQS ARN, or no such queue)."""
    from moto.sqs.models import sqs_backends  # moto loads at sandbox start: start-up time

    parts = queue_arn.split(":")
    if len(parts) < 6 or parts[2] != "sqs":
        return None
    regions = sqs_backends[parts[4]]
    if parts[3] not in regions:
        return None
    return next((q for q in regions[parts[3]].queues.values() if q.queue_arn == queue_arn), None)


def sqs_refusal(fn: Any, queue: Any, values: Mapping[str, Any], new_function: bool) -> Refusal | None:
    """What Lambda refuses in a mapping of `fn` to `queue` with these values (the role's only for a new function)."""
    window = values.get("MaximumBatchingWindowInSeconds")
    refusal = batching_refusal(bool(queue.fifo_queue), values.get("BatchSize"), window)
    if refusal is None and new_function:
        refusal = visibility_refusal(queue, fn) or permission_refusal(fn, queue.queue_arn)
    return refusal


def _refuse(refusal: Refusal | None) -> None:
    """Raise the refusal as moto's Lambda error (HTTP 400), so that the request changes nothing."""
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time

    if refusal is not None:
        raise LambdaClientError(refusal.code, refusal.message)


def _check(backend: Any, function_name: str, source_arn: str, values: Mapping[str, Any], new_function: bool) -> None:
    """Every check of a mapping after the request: moto's own error for a function that does not exist."""
    fn = backend._lambdas.get_function_by_name_or_arn_with_qualifier(function_name)
    queue = _queue(source_arn)
    if queue is not None:
        _refuse(sqs_refusal(fn, queue, values, new_function))
    for check in list(_checks):
        _refuse(check(fn, source_arn, values))


def _create(self: Any, spec: dict[str, Any]) -> Any:
    """CreateEventSourceMapping, after Lambda's checks."""
    _refuse(bounds_refusal(spec))
    if spec.get("FunctionName") and spec.get("EventSourceArn"):  # moto answers a missing one itself
        _check(self, spec["FunctionName"], spec["EventSourceArn"], spec, True)
    mapping = seams.original(CREATE)(self, spec)
    _keep_alias(mapping, str(spec.get("FunctionName") or ""))
    return mapping


def _keep_alias(mapping: Any, function: str) -> None:
    """A mapping on an alias keeps the alias's ARN (moto stores the version the alias points to now), so that its
    batches go through the alias (and its weights) as the alias moves, and FunctionArn names it, as Lambda's does.
    https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html
    """
    qualifier = alias_routing.qualifier_of(function)
    if mapping is None or not qualifier or qualifier.isdigit() or qualifier == alias_routing.LATEST:
        return
    unqualified = str(mapping.function_arn).split(":function:")[0] + ":function:"
    name = function.split(":function:")[1].split(":")[0] if ":function:" in function else function.split(":")[0]
    mapping.function_arn = f"{unqualified}{name}:{qualifier}"


def _update(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
    """UpdateEventSourceMapping, after Lambda's checks of the mapping as it would become."""
    _refuse(bounds_refusal(spec))
    mapping = self._event_source_mappings.get(uuid)
    if mapping is not None:
        values = {"BatchSize": mapping.batch_size, "MaximumBatchingWindowInSeconds": mapping.max_batch_window,
                  **spec}
        _check(self, spec.get("FunctionName") or mapping.function_arn, mapping.event_source_arn, values,
               "FunctionName" in spec)
    return seams.original(UPDATE)(self, uuid, spec)


def install() -> None:
    """Put the checks in front of moto's CreateEventSourceMapping and UpdateEventSourceMapping (idempotent)."""
    if seams.is_patched(CREATE):
        return
    seams.patch(CREATE, functools.wraps(seams.original(CREATE))(_create))
    seams.patch(UPDATE, functools.wraps(seams.original(UPDATE))(_update))


__all__ = ["CREATE", "QUEUE_ACTIONS", "UPDATE", "add_check", "batching_refusal", "bounds_refusal", "install",
           "permission_refusal", "sqs_refusal", "visibility_refusal"]
