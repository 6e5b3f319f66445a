"""Asynchronous invocation (InvocationType=Event) as Lambda does it: a queue, retries, event age, destinations.

Lambda answers 202 at once and works through its queue: a function error is retried up to
MaximumRetryAttempts times (default 2), one minute and then two minutes later; a throttled event waits and is
tried again; an event older than MaximumEventAgeInSeconds (default six hours) is dropped. What finally happens
goes to the function's on-success or on-failure destination, and a failed event to its dead-letter queue.
Delays run on the sandbox clock, so `clock.advance(60)` brings the next retry forward.

An event Lambda cannot run at all (a throttle, or a 500-series refusal such as an unusable KMS key) goes back to
the queue and is tried again after 1 s, then twice as long each time up to five minutes, until it runs or grows
older than its maximum age. Records go to a destination or dead-letter queue as the execution role: a role
without the permission to send there (sqs:SendMessage, sns:Publish, lambda:InvokeFunction, events:PutEvents)
gets nothing delivered, and the sandbox logs why, as Lambda counts a DestinationDeliveryFailures.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html

A durable function's event goes through the same queue (its age, throttles and refusals, AsyncEventsReceived), and
its attempt starts a durable execution; the execution's end, however long it takes, settles the event: SUCCEEDED
sends the on-success record, FAILED, TIMED_OUT or STOPPED the on-failure record and the event to the dead-letter
queue ("Best practices for Lambda durable functions", error handling:
https://docs.aws.amazon.com/lambda/latest/dg/durable-best-practices.html). The execution is the unit that is
retried, not the event: a failing step is retried by its own retry strategy and a failed invocation by the service
("Retries for Lambda durable functions": https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk-retries.html),
so an execution that ended is not started again and MaximumRetryAttempts does not apply to it (AWS documents no
second execution for one event; this is the closest reading of the pages above).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from localaws.facts import value
from localaws.runtime import durable_hook, request_ids, role_access
from localaws.runtime.clock import Clock
from localaws.runtime.environment import Outcome
from localaws.runtime.errors import InvokeError
from localaws.runtime.invoke_checks import CheckRefusal
from localaws.runtime.observer import InvocationObserver

RETRY_DELAYS_S = (60.0, 120.0)  # after the first failure, and after the second
THROTTLE_RETRY_S = 1.0  # the first wait of an event that could not run; it doubles each time
REQUEUE_MAX_S = 300.0  # and grows no longer than this
# The permission the execution role needs to send a record to each kind of destination (or dead-letter queue).
SEND_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction",
                "events": "events:PutEvents"}
log = logging.getLogger(__name__)


@dataclass
class AsyncEvent:
    """One queued event and its history."""

    fn: Any
    payload: bytes
    invoked_arn: str
    received_at: float
    request_id: str = field(default_factory=request_ids.claim)  # the 202 answer's id; retries keep it
    durable: Any = None  # a durable function's execution, prepared (named, its ARN known) but not started
    attempts: int = 0
    requeues: int = 0  # times it went back to the queue without running (throttled or refused)


def _settings(fn: Any) -> tuple[int, float, dict[str, Any]]:
    """(retries, maximum event age in seconds, destination config) from the function's event invoke config."""
    configs = getattr(fn, "event_invoke_config", None) or []
    config = configs[-1].config if configs else {}
    retries = int(config.get("MaximumRetryAttempts", value("async_retries_default")))
    age = float(config.get("MaximumEventAgeInSeconds", value("async_max_event_age_s")))
    return retries, age, config.get("DestinationConfig", {}) or {}


class AsyncInvoker:
    """Runs queued events in the background through `invoke(fn, payload, arn) -> Outcome`."""

    def __init__(self, invoke: Any, clock: Clock, on_done: Any) -> None:
        self._invoke, self.clock, self._on_done = invoke, clock, on_done
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self.observer = InvocationObserver()  # the runtime's, for AsyncEventsReceived and the other metrics

    def submit(self, event: AsyncEvent) -> Future:
        """Start working on an event now (in the background)."""
        if event.attempts == 0 and event.requeues == 0:  # new to the queue, not a retry
            self.observer.async_received(event.fn, event.invoked_arn, event.received_at)
        return self._pool.submit(self._attempt, event)

    def _later(self, delay: float, event: AsyncEvent) -> None:
        self.clock.call_later(delay, lambda: self._on_done(self.submit(event)))

    def _attempt(self, event: AsyncEvent) -> None:
        fn = _current_version(event.fn)
        retries, max_age, destinations = _settings(_latest(fn))
        if self.clock.now() - event.received_at > max_age:
            if event.durable is not None:  # its execution was created for the Invoke's answer, and never starts
                durable_hook.starter().abandon(event.durable, "The event exceeded its maximum age in the "
                                               "asynchronous queue before the execution started.")
            return self._fail(event, fn, destinations, "EventAgeExceeded", None)
        if durable_hook.is_durable(fn):
            return self._start_durable(event, fn)
        try:
            with request_ids.assigned(event.request_id):
                outcome: Outcome = self._invoke(fn, event.payload, event.invoked_arn)
        except InvokeError as error:
            if error.code != "TooManyRequestsException" and not _system_refusal(error):
                raise
            return self._requeue(event, error)  # neither uses up retries
        self.observer.async_attempted(fn, event.invoked_arn, self.clock.now() - event.received_at, self.clock.now())
        event.attempts += 1
        if outcome.function_error is None:
            return self._deliver(fn, destinations.get("OnSuccess"), _record(event, fn, "Success", outcome))
        if event.attempts <= retries:
            return self._later(RETRY_DELAYS_S[min(event.attempts, len(RETRY_DELAYS_S)) - 1], event)
        self._fail(event, fn, destinations, "RetriesExhausted", outcome)

    def _start_durable(self, event: AsyncEvent, fn: Any) -> None:
        """Start the event's durable execution; its end (`_durable_ended`) settles the event, not this attempt."""
        if event.durable is None:  # queued by a trigger or a destination, not by the Invoke API
            refused = durable_hook.refusal(event.invoked_arn)
            if refused is not None:
                log.warning("Lambda refused an asynchronous invocation of %s: %s: %s", event.invoked_arn,
                            refused.code, refused.message)
                return self.observer.async_dropped(fn, event.invoked_arn, self.clock.now())
        try:
            starter = durable_hook.starter()
            event.durable = event.durable or starter.prepare(fn, event.payload, None)
            starter.launch(event.durable, lambda outcome: self._after(self._durable_ended, event, fn, outcome))
        except InvokeError as error:
            if error.code != "TooManyRequestsException" and not _system_refusal(error):
                raise
            return self._requeue(event, error)
        self.observer.async_attempted(fn, event.invoked_arn, self.clock.now() - event.received_at, self.clock.now())
        event.attempts += 1

    def _after(self, work: Any, *args: Any) -> None:
        """Run `work(*args)` on the queue's workers, counted as background work, unless the sandbox has closed."""
        try:
            self._on_done(self._pool.submit(work, *args))
        except RuntimeError:  # the pool was shut down: the sandbox stopped, nothing is left to deliver to
            log.warning("A durable execution ended after the sandbox stopped; its record was not delivered.")

    def _durable_ended(self, event: AsyncEvent, fn: Any, outcome: Outcome) -> None:
        """The event's execution ended: its record to a destination, and a failed one's event to the DLQ."""
        _retries, _max_age, destinations = _settings(_latest(fn))
        if outcome.function_error is None:
            return self._deliver(fn, destinations.get("OnSuccess"), _record(event, fn, "Success", outcome))
        self._fail(event, fn, destinations, "RetriesExhausted", outcome)

    def _requeue(self, event: AsyncEvent, error: InvokeError) -> None:
        """Put an event that could not run back in the queue, to be tried again later (1 s, doubling, at most 5 min)."""
        if error.code != "TooManyRequestsException":
            log.warning("Lambda could not run an asynchronous event for %s (%s: %s); it stays queued and is tried "
                        "again until it runs or exceeds its maximum age.", event.invoked_arn, error.code,
                        error.message)
        delay = min(THROTTLE_RETRY_S * 2 ** event.requeues, REQUEUE_MAX_S)
        event.requeues += 1
        self._later(delay, event)

    def _fail(self, event: AsyncEvent, fn: Any, destinations: dict, condition: str, outcome: Outcome | None) -> None:
        self.observer.async_dropped(fn, event.invoked_arn, self.clock.now())
        self._deliver(fn, destinations.get("OnFailure"), _record(event, fn, condition, outcome))
        dead_letter = (getattr(_latest(fn), "dead_letter_config", None) or {}).get("TargetArn")
        if dead_letter:
            error = json.loads(outcome.payload) if outcome and outcome.payload else {}
            attributes = {"RequestID": event.request_id, "ErrorCode": "200",
                          "ErrorMessage": str(error.get("errorMessage", condition))[:256]}
            if not self._send(fn, dead_letter, event.payload.decode(), attributes):
                self.observer.delivery_failed(fn, event.invoked_arn, True, self.clock.now())  # DeadLetterErrors

    def _deliver(self, fn: Any, destination: dict | None, record: dict) -> None:
        if destination and destination.get("Destination"):
            if not self._send(fn, destination["Destination"], json.dumps(record), None, record):
                self.observer.delivery_failed(fn, _unqualified(fn), False, self.clock.now())  # a DestinationDelivery-
                # Failures data point: the function's, not a version's (the record names the version that ran)

    def _send(self, fn: Any, arn: str, body: str, attributes: dict[str, str] | None,
              record: dict | None = None) -> bool:
        """Deliver to a destination as the execution role (False if it may not): a Lambda target joins this queue."""
        from moto.utilities.arns import parse_arn  # moto loads at sandbox start: start-up time

        parts = parse_arn(arn)
        if not _may_send(fn, parts.service, arn):
            return False
        if parts.service != "lambda":
            _send_to_service(arn, body, attributes, record)
            return True
        target = _backend(parts.account, parts.region).get_function(arn)
        self._on_done(self.submit(AsyncEvent(target, body.encode(), arn, self.clock.now())))
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _system_refusal(error: InvokeError) -> bool:
    """A 500-series error Lambda met before running the function (a KMS key it cannot use, say)."""
    return isinstance(error, CheckRefusal) and error.status >= 500


def _may_send(fn: Any, service: str, arn: str) -> bool:
    """Whether the execution role of `fn` may send a record to `arn`; when not, the record is dropped, loudly."""
    action = SEND_ACTIONS.get(service)
    if action is None:
        log.warning("Lambda cannot send a record of %s to %s: not an SQS queue, SNS topic, Lambda function or "
                    "EventBridge bus.", fn.function_name, arn)
        return False
    if role_access.allowed(fn, action, arn):
        return True
    log.warning("Lambda could not deliver a record of %s to %s (DestinationDeliveryFailures): the execution role "
                "%s is not allowed %s on it. Allow that action on that resource in the role's policy.",
                fn.function_name, arn, fn.role, action)
    return False


def _record(event: AsyncEvent, fn: Any, condition: str, outcome: Outcome | None) -> dict[str, Any]:
    """The invocation record Lambda sends to a destination."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {"requestId": event.request_id, "functionArn": f"{_unqualified(fn)}:{fn.version}",
                           "condition": condition, "approximateInvokeCount": event.attempts},
        "requestPayload": json.loads(event.payload or b"null"),
    }
    if outcome is not None:
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": str(fn.version)}
        if outcome.function_error:
            context["functionError"] = outcome.function_error
        record["responseContext"] = context
        try:
            record["responsePayload"] = json.loads(outcome.payload) if outcome.payload else None
        except ValueError:
            record["responsePayload"] = outcome.payload.decode(errors="replace")
    return record


def _send_to_service(arn: str, body: str, attributes: dict[str, str] | None, record: dict | None = None) -> None:
    """Deliver to an SQS queue, SNS topic or EventBridge bus, by the ARN's service."""
    from moto.utilities.arns import parse_arn  # moto loads at sandbox start: start-up time

    parts = parse_arn(arn)
    if parts.service == "sqs":
        from moto.sqs.models import sqs_backends  # moto loads at sandbox start: start-up time

        message_attributes = {k: {"DataType": "String", "StringValue": v} for k, v in (attributes or {}).items()}
        sqs_backends[parts.account][parts.region].send_message(parts.resource_id, body,
                                                               message_attributes=message_attributes)
    elif parts.service == "sns":
        from moto.sns.models import sns_backends  # moto loads at sandbox start: start-up time

        sns_backends[parts.account][parts.region].publish(message=body, arn=arn)
    elif parts.service == "events" and record is not None:
        from moto.events.models import events_backends  # moto loads at sandbox start: start-up time

        condition = record["requestContext"]["condition"]
        detail_type = "Lambda Function Invocation Result - " + ("Success" if condition == "Success" else "Failure")
        events_backends[parts.account][parts.region].put_events([{
            "Source": "lambda", "DetailType": detail_type, "Detail": body, "EventBusName": arn,
            "Resources": [arn, record["requestContext"]["functionArn"]]}])  # the bus, then the function


def _backend(account: str, region: str) -> Any:
    from moto.awslambda.models import lambda_backends  # moto loads at sandbox start: start-up time

    return lambda_backends[account][region]


def _unqualified(fn: Any) -> str:
    return fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"


def _latest(fn: Any) -> Any:
    """The $LATEST function object, which holds the event invoke config and dead-letter config.

    A function deleted since its event was queued keeps the settings it had; any other failure propagates.
    """
    from moto.awslambda.exceptions import UnknownFunctionException  # moto loads at sandbox start: start-up time

    try:
        return _backend(fn.account_id, fn.region).get_function(fn.function_name)
    except UnknownFunctionException:  # deleted meanwhile: the queued event still runs with what it had
        return fn


def _current_version(fn: Any) -> Any:
    """$LATEST may have changed since the event was queued; a numbered version cannot."""
    return _latest(fn) if str(fn.version) == "$LATEST" else fn
