"""Lambda's concurrency limits: reserved concurrency per function and the account's pool for the rest.

A function with reserved concurrency R may have at most R invocations in flight (R = 0 throttles every one);
functions without a reservation share what is left of the account limit after all reservations. An invocation
beyond its limit is throttled: a synchronous caller gets TooManyRequestsException (HTTP 429), while asynchronous
invocations and event source mappings retry later, as Lambda does. Lambda keeps a minimum of the account limit
unreserved: `reservation_error` is the check PutFunctionConcurrency makes against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from localaws.facts import value


@dataclass
class Throttle:
    """Why an invocation was refused, in the words of Lambda's TooManyRequestsException."""

    reason: str
    message: str = "Rate Exceeded."


class ConcurrencyLimits:
    """The account-wide setting, and the check made before every invocation starts."""

    def __init__(self, account_limit: int | None = None) -> None:
        self.account_limit = int(account_limit or value("account_concurrency_default"))

    def set_account_limit(self, limit: int) -> int:
        """Set the account's concurrency limit (a whole number of at least 1); returns the previous one."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"The account concurrency limit must be a whole number of at least 1, not {limit!r}.")
        previous, self.account_limit = self.account_limit, limit
        return previous

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


def reservation_error(account_limit: int, reserved_elsewhere: int, requested: int) -> str | None:
    """Lambda's refusal of a reservation that leaves too little unreserved concurrency, or None if it fits."""
    minimum = int(value("unreserved_concurrency_minimum"))
    if account_limit - reserved_elsewhere - requested < minimum:
        return ("Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{minimum}].")
    return None
