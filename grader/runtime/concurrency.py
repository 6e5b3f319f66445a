"""Lambda's concurrency limits: reserved concurrency per function and the account's pool for the rest.

A function with reserved concurrency R may have at most R invocations in flight (R = 0 throttles every one);
functions without a reservation share what is left of the account limit after all reservations. An invocation
beyond its limit is throttled: a synchronous caller gets TooManyRequestsException (HTTP 429), while asynchronous
invocations and event source mappings retry later, as Lambda does.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.facts import value


@dataclass
class Throttle:
    """Why an invocation was refused, in the words of Lambda's TooManyRequestsException."""

    reason: str
    message: str = "Rate Exceeded."


class ConcurrencyLimits:
    """The account-wide setting, and the check made before every invocation starts."""

    def __init__(self, account_limit: int | None = None) -> None:
        self.account_limit = int(account_limit or value("account_concurrency_default"))

    def check(self, function: str, reserved: dict[str, int], in_flight: dict[str, int]) -> Throttle | None:
        """None if `function` may start one more invocation, given reservations and what is running now."""
        mine = in_flight.get(function, 0)
        if function in reserved:
            if mine >= reserved[function]:
                return Throttle("ReservedFunctionConcurrentInvocationLimitExceeded")
            return None
        unreserved_pool = self.account_limit - sum(reserved.values())
        unreserved_busy = sum(n for name, n in in_flight.items() if name not in reserved)
        if unreserved_busy >= unreserved_pool:
            return Throttle("ConcurrentInvocationLimitExceeded")
        return None
