"""Wildcard operands: parsing with the service's escapes and errors, matching, and the complexity limit."""

from __future__ import annotations

import re
from collections.abc import Iterable

from localaws.eventbridge.errors import InvalidEventPattern

STAR = None  # token for an unescaped `*`; every other token is one literal character
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences "
    "after a wildcard character"
)
# The estimate below counts states differently from the service's engine, so this is calibrated rather than
# published: it rejects what the service is known to reject (for example "*:*:*:*:*:event-bus/*") and accepts
# what it is known to accept (one star followed by five repeats of "dir/").
COMPLEXITY_LIMIT = 11
# Past this many explored state sets the estimate gives up and calls the rule too complex.
_MAX_EXPLORED_SETS = 20_000

Token = str | None


def parse(operand: str) -> list[Token]:
    """The tokens of a wildcard operand; `\\*` and `\\\\` are escapes, anything else after `\\` is an error.

    Positions in the messages count UTF-8 bytes and include the opening quote of the JSON string, as the
    service's do.
    """
    tokens: list[Token] = []
    index = 0
    while index < len(operand):
        char = operand[index]
        if char == "\\":
            following = operand[index + 1 : index + 2]
            if following not in ("*", "\\"):
                raise InvalidEventPattern(f"Invalid escape character at pos {_position(operand, index)}")
            tokens.append(following)
            index += 2
            continue
        if char == "*" and operand[index + 1 : index + 2] == "*":
            raise InvalidEventPattern(f"Consecutive wildcard characters at pos {_position(operand, index)}")
        tokens.append(STAR if char == "*" else char)
        index += 1
    return tokens


def _position(operand: str, index: int) -> int:
    """The service's position for character `index`: a byte offset counted from the JSON string's quote."""
    return len(operand[:index].encode()) + 1


def compile_regex(operand: str) -> re.Pattern[str]:
    """A regular expression that fully matches exactly the strings the operand matches."""
    parts = (".*" if token is STAR else re.escape(token) for token in parse(operand))
    return re.compile("".join(parts), re.DOTALL)


def check_complexity(operands: Iterable[str], limit: int = COMPLEXITY_LIMIT) -> None:
    """Raise the service's 'too complex' error when the operands on one field exceed `limit`."""
    if estimate_complexity(operands, cap=limit + 1) > limit:
        raise InvalidEventPattern(TOO_COMPLEX)


def estimate_complexity(operands: Iterable[str], cap: int) -> int:
    """How many matcher states one worst-case value can keep alive at once across `operands`, up to `cap`.

    The service rejects rules whose wildcards would let a single value keep many partial matches alive
    (a star followed by repeated text, or many stars). This walks the union of the operands' automata over
    every reachable set of states and reports the largest set; each operand is quoted as the service
    quotes string values.
    """
    machines = [[*'"', *parse(operand), *'"'] for operand in operands]
    if not machines:
        return 0
    alphabet = {token for tokens in machines for token in tokens if token is not STAR} | {"\0"}
    start = _closure({(m, 0) for m in range(len(machines))}, machines)
    seen, pending, largest = {start}, [start], len(start)
    while pending and largest < cap:
        if len(seen) > _MAX_EXPLORED_SETS:
            return cap
        states = pending.pop()
        for char in alphabet:
            following = _step(states, machines, char)
            if following and following not in seen:
                seen.add(following)
                pending.append(following)
                largest = max(largest, len(following))
    return min(largest, cap)


def _closure(states: set[tuple[int, int]], machines: list[list[Token]]) -> frozenset[tuple[int, int]]:
    """`states` plus every position reachable by letting stars match nothing."""
    closed = set(states)
    for machine, position in states:
        tokens = machines[machine]
        while position < len(tokens) and tokens[position] is STAR:
            position += 1
            closed.add((machine, position))
    return frozenset(closed)


def _step(states: frozenset[tuple[int, int]], machines: list[list[Token]], char: str) -> frozenset:
    """The states after reading `char` from `states`."""
    following = set()
    for machine, position in states:
        tokens = machines[machine]
        if position < len(tokens):
            token = tokens[position]
            if token is STAR:
                following.add((machine, position))
            elif token == char:
                following.add((machine, position + 1))
    return _closure(following, machines)
