"""GetDurableExecutionHistory as Lambda answers it: the model's events, with the details it leaves out put back.

The published model builds every event but drops or never fills some of what Lambda's API gives
(botocore's Lambda model, and "GetDurableExecutionHistory":
https://docs.aws.amazon.com/lambda/latest/api/API_GetDurableExecutionHistory.html):
- `InvocationCompletedDetails` (StartTimestamp, EndTimestamp, RequestId, and `Error` for an invocation that
  failed), lost when the model renumbers its events;
- `CallbackStartedDetails.Timeout` and `HeartbeatTimeout`, the options the handler's checkpoint gave;
- `StepSucceededDetails.RetryDetails`, which the API requires (the attempt that succeeded), and the interim
  `Result` a wait-for-condition checkpoints with each check;
- `ChainedInvokeStartedDetails.TenantId` and `ExecutedVersion`.
Each comes from the execution's own record (its checkpoint updates and invocations), never made up: an event whose
source cannot be found stays as the model built it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import (
    ErrorObject,
    OperationAction,
    OperationType,
    OperationUpdate,
)
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.model import (
    ChainedInvokeStartedDetails,
    EventError,
    EventResult,
    InvocationCompletedDetails,
    RetryDetails,
)
from aws_durable_execution_sdk_python_testing.model import Event as HistoryEvent

DEFAULT_PAGE = 100  # the events a page holds when MaxItems is not given, as the model pages them


@dataclasses.dataclass(frozen=True)
class InvocationCompletedWithError(InvocationCompletedDetails):
    """InvocationCompletedDetails with the API shape's `Error`, which the model's class lacks."""

    error: EventError | None = None

    def to_dict(self) -> dict[str, Any]:
        """The API's fields, `Error` only for an invocation that failed."""
        result = super().to_dict()
        if self.error is not None:
            result["Error"] = self.error.to_dict()
        return result


@dataclasses.dataclass(frozen=True)
class ChainedInvokeStartedWithVersion(ChainedInvokeStartedDetails):
    """ChainedInvokeStartedDetails with the API shape's `ExecutedVersion`, which the model's class lacks."""

    executed_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The API's fields, `ExecutedVersion` once the target has been resolved to a version."""
        result = super().to_dict()
        if self.executed_version is not None:
            result["ExecutedVersion"] = self.executed_version
        return result


@dataclasses.dataclass(frozen=True)
class Sources:
    """What the history's missing details are read from, besides the execution itself."""

    include_data: bool  # IncludeExecutionData: payloads are given, else marked Truncated
    invocation_errors: Mapping[str, ErrorObject]  # request id -> the error of an invocation that failed
    executed_version: Callable[[str, str], str | None]  # (execution ARN, operation id) -> the version run


def complete(execution: Execution, events: list[HistoryEvent], sources: Sources) -> list[HistoryEvent]:
    """The model's whole history (in order, numbered) with the details Lambda gives put back."""
    events = _invocations(execution, events, sources)
    updates = _updates_by_operation(execution)
    events = [_operation_event(event, updates.get(event.operation_id or "", []), execution, sources)
              for event in events]
    return _steps(events, updates, sources.include_data)


def page(events: list[HistoryEvent], reverse_order: bool, marker: str | None,
         max_items: int | None) -> tuple[list[HistoryEvent], str | None]:
    """One page of the history and the next page's marker, as the model pages it (a marker is an event id)."""
    ordered = list(reversed(events)) if reverse_order else list(events)
    start = 0
    if marker and marker.isdigit():
        after = int(marker)
        start = next((i for i, event in enumerate(ordered)
                      if (event.event_id < after if reverse_order else event.event_id >= after)), len(ordered))
    end = start + (DEFAULT_PAGE if max_items is None else max_items)
    chosen = ordered[start:end]
    if end >= len(ordered):
        return chosen, None
    return chosen, str(chosen[-1].event_id if reverse_order else ordered[end].event_id)


def _invocations(execution: Execution, events: list[HistoryEvent], sources: Sources) -> list[HistoryEvent]:
    """InvocationCompleted events with their details: the model lists invocations first and sorts them stably by
    end time, so the n-th such event is the n-th invocation by end time."""
    completions = iter(sorted(execution.invocation_completions, key=lambda done: done.end_timestamp))
    result = []
    for event in events:
        if event.event_type == "InvocationCompleted" and event.invocation_completed_details is None:
            done = next(completions, None)
            if done is not None:
                error = sources.invocation_errors.get(done.request_id)
                event = dataclasses.replace(event, invocation_completed_details=InvocationCompletedWithError(
                    done.start_timestamp, done.end_timestamp, done.request_id,
                    EventError(error, truncated=not sources.include_data) if error is not None else None))
        result.append(event)
    return result


def _updates_by_operation(execution: Execution) -> dict[str, list[OperationUpdate]]:
    """The handler's checkpoint updates, by operation, in the order they were made."""
    updates: dict[str, list[OperationUpdate]] = defaultdict(list)
    for update in execution.updates:
        updates[update.operation_id].append(update)
    return updates


def _operation_event(event: HistoryEvent, updates: list[OperationUpdate], execution: Execution,
                     sources: Sources) -> HistoryEvent:
    """One operation's event with what its checkpoint updates say and the model left out."""
    if event.callback_started_details is not None:
        return _callback_started(event, updates)
    if event.chained_invoke_started_details is not None:
        return _chained_invoke_started(event, updates, execution, sources)
    return event


def _first_start(updates: list[OperationUpdate]) -> OperationUpdate | None:
    return next((update for update in updates if update.action == OperationAction.START), None)


def _callback_started(event: HistoryEvent, updates: list[OperationUpdate]) -> HistoryEvent:
    """CallbackStarted with the Timeout and HeartbeatTimeout its START gave (0, the SDK's "none", is left out)."""
    start = _first_start(updates)
    options = start.callback_options if start is not None else None
    details = event.callback_started_details
    if options is None or details is None:
        return event
    return dataclasses.replace(event, callback_started_details=dataclasses.replace(
        details, timeout=options.timeout_seconds or None,
        heartbeat_timeout=options.heartbeat_timeout_seconds or None))


def _chained_invoke_started(event: HistoryEvent, updates: list[OperationUpdate], execution: Execution,
                            sources: Sources) -> HistoryEvent:
    """ChainedInvokeStarted with the TenantId its START gave and the version of the target that ran."""
    start = _first_start(updates)
    options = start.chained_invoke_options if start is not None else None
    details = event.chained_invoke_started_details
    if details is None:
        return event
    version = sources.executed_version(execution.durable_execution_arn, event.operation_id or "")
    return dataclasses.replace(event, chained_invoke_started_details=ChainedInvokeStartedWithVersion(
        function_name=details.function_name, tenant_id=options.tenant_id if options is not None else None,
        input=details.input, durable_execution_arn=details.durable_execution_arn, executed_version=version))


def _steps(events: list[HistoryEvent], updates: dict[str, list[OperationUpdate]],
           include_data: bool) -> list[HistoryEvent]:
    """StepSucceeded events with RetryDetails (the attempt that succeeded) and, for a wait-for-condition's
    interim check (a RETRY without error), the state it checkpointed as the Result; matched to their updates in
    order, per operation."""
    succeeded: dict[str, list[tuple[OperationUpdate, int]]] = {
        operation_id: _success_updates(operation_updates) for operation_id, operation_updates in updates.items()}
    seen: dict[str, list[HistoryEvent]] = defaultdict(list)
    for event in events:
        if event.step_succeeded_details is not None and event.operation_id is not None:
            seen[event.operation_id].append(event)
    replaced: dict[int, HistoryEvent] = {}
    for operation_id, found in seen.items():
        made_by = succeeded.get(operation_id, [])
        if len(made_by) != len(found):  # not the events the updates made: leave them as the model built them
            continue
        for event, (update, attempt) in zip(found, made_by, strict=True):
            replaced[event.event_id] = _step_succeeded(event, update, attempt, include_data)
    return [replaced.get(event.event_id, event) for event in events]


def _success_updates(updates: list[OperationUpdate]) -> list[tuple[OperationUpdate, int]]:
    """A step's updates that the model turns into StepSucceeded events, each with the attempt it ended."""
    found, attempt = [], 0
    for update in updates:
        if update.operation_type != OperationType.STEP:
            continue
        if update.action == OperationAction.START:
            attempt += 1
        elif update.action == OperationAction.SUCCEED or (update.action == OperationAction.RETRY
                                                           and update.error is None):
            found.append((update, max(attempt, 1)))
    return found


def _step_succeeded(event: HistoryEvent, update: OperationUpdate, attempt: int, include_data: bool) -> HistoryEvent:
    """The StepSucceeded event of one update: RetryDetails always, and an interim check's own Result."""
    details = event.step_succeeded_details
    if details is None:
        return event
    result = details.result
    retry = details.retry_details or RetryDetails(current_attempt=attempt)
    if update.action == OperationAction.RETRY:
        result = EventResult(payload=update.payload if include_data else None, truncated=not include_data)
    return dataclasses.replace(event, step_succeeded_details=dataclasses.replace(
        details, result=result, retry_details=retry))
