"""CodeDeploy's predefined deployment configurations for Lambda, as steps of traffic shifted to the new version.

A Lambda deployment moves an alias from its current version to a target version in one of three ways
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html):

- Canary: a first share of the traffic goes to the new version, and the rest after the given minutes.
- Linear: the same share moves at every interval of the given minutes until all of it has moved.
- All-at-once: all of it moves at once.

The numbers live in the configuration's name (`CodeDeployDefault.LambdaCanary10Percent5Minutes`), so they are read
from it rather than kept a second time; only the names AWS predefines are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "CodeDeployDefault."
PREDEFINED = tuple(PREFIX + name for name in (
    "LambdaCanary10Percent5Minutes", "LambdaCanary10Percent10Minutes", "LambdaCanary10Percent15Minutes",
    "LambdaCanary10Percent30Minutes", "LambdaLinear10PercentEvery1Minute", "LambdaLinear10PercentEvery2Minutes",
    "LambdaLinear10PercentEvery3Minutes", "LambdaLinear10PercentEvery10Minutes", "LambdaAllAtOnce"))
_CANARY = re.compile(r"LambdaCanary(\d+)Percent(\d+)Minutes?")
_LINEAR = re.compile(r"LambdaLinear(\d+)PercentEvery(\d+)Minutes?")
MINUTE = 60.0


class UnknownConfig(ValueError):
    """A deployment configuration that is not one of the predefined Lambda configurations."""


@dataclass(frozen=True)
class Step:
    """One shift of traffic: `after` seconds from the start, the new version gets `weight` (0.0 to 1.0)."""

    after: float
    weight: float


def full_name(name: str) -> str:
    """`Canary10Percent5Minutes` (SAM's spelling) or the CodeDeploy name, as CodeDeploy names it."""
    if name.startswith(PREFIX):
        return name
    return PREFIX + (name if name.startswith("Lambda") else "Lambda" + name)


def steps(name: str) -> list[Step]:
    """The shifts a predefined Lambda configuration makes, the last one to all the traffic."""
    config = full_name(name)
    if config not in PREDEFINED:
        raise UnknownConfig(f"{name!r} is not a predefined Lambda deployment configuration; use one of "
                            f"{', '.join(c.removeprefix(PREFIX) for c in PREDEFINED)}")
    short = config.removeprefix(PREFIX)
    canary, linear = _CANARY.fullmatch(short), _LINEAR.fullmatch(short)
    if canary:
        share, minutes = int(canary[1]) / 100, int(canary[2])
        return [Step(0.0, share), Step(minutes * MINUTE, 1.0)]
    if linear:
        share, minutes = int(linear[1]) / 100, int(linear[2])
        count = round(1 / share)
        return [Step(index * minutes * MINUTE, round(min(1.0, (index + 1) * share), 6)) for index in range(count)]
    return [Step(0.0, 1.0)]


__all__ = ["PREDEFINED", "Step", "UnknownConfig", "full_name", "steps"]
