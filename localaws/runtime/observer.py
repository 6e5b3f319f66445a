"""What the Lambda runtime reports as it works: invocations, throttles and the asynchronous queue's events.

The runtime calls these at the moments Lambda counts its CloudWatch metrics
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html); `localaws.cloudwatch` listens.
The base class ignores every report, so the runtime works the same with no listener. Reports must be cheap and
must not raise: they run on the invocation's path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Concurrency:
    """Invocations in flight when one started: of its function, and of the whole account."""

    function: int
    account: int


class InvocationObserver:
    """Receives the runtime's reports; this base class does nothing with them."""

    def invoked(self, fn: Any, invoked_arn: str, outcome: Any, started_at: float, concurrency: Concurrency) -> None:
        """A function ran (successfully or with a function error); started_at is on the sandbox clock."""

    def throttled(self, fn: Any, invoked_arn: str, when: float) -> None:
        """An invocation was refused for concurrency (TooManyRequestsException)."""

    def async_received(self, fn: Any, invoked_arn: str, when: float) -> None:
        """An event joined the asynchronous queue."""

    def async_attempted(self, fn: Any, invoked_arn: str, age_s: float, when: float) -> None:
        """An event from the queue reached the function, `age_s` seconds after it was queued."""

    def async_dropped(self, fn: Any, invoked_arn: str, when: float) -> None:
        """An event left the queue without a successful run (retries exhausted, or too old)."""

    def delivery_failed(self, fn: Any, invoked_arn: str, dead_letter: bool, when: float) -> None:
        """A record could not be sent to a destination (or, with dead_letter, to the dead-letter queue)."""
