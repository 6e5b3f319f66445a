"""Watch a gradual deployment minute by minute: drive traffic through the alias, note the split and the alarm.

    moments = watch(handle, new_version="2", alarm="checkout-errors", minutes=8, calls_per_minute=30)
    [(m.minute, m.new_weight, m.alarm) for m in moments]   # the traffic split and the alarm on one time axis

Each minute of the sandbox clock, `watch` records the alias (which version it points at, and the share of
invocations the new version gets) and the alarm's state, then invokes the alias `calls_per_minute` times and
counts which version ran and whether it failed, then moves the clock one minute on.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3

from lambda_course import sandbox
from lambda_course.gradual import GradualDeployment


@dataclass(frozen=True)
class Moment:
    """One minute of a deployment as the alias's callers saw it."""

    minute: float  # sandbox-clock minutes since watching began
    version: str  # the version the alias points at
    new_weight: float  # share of invocations that go to the version being deployed (0.0 to 1.0)
    alarm: str  # the watched alarm's state: OK, ALARM or INSUFFICIENT_DATA
    status: str  # the deployment's status at that moment
    calls: dict[str, int] = field(default_factory=dict)  # "<version> ok" / "<version> error": invocations that minute


class AlarmNotFound(LookupError):
    """The alarm to watch does not exist, so its state cannot be shown."""


def new_weight(alias: dict[str, Any], new_version: str) -> float:
    """The share of the alias's invocations that run `new_version`, from a GetAlias answer."""
    if alias["FunctionVersion"] == new_version:
        return 1.0
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return float(weights.get(new_version, 0.0))


def alarm_state(name: str) -> str:
    """The alarm's state now; AlarmNotFound if there is no such alarm (never a made-up state)."""
    found = boto3.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not found:
        raise AlarmNotFound(f"there is no metric alarm named {name!r}; create it with put_metric_alarm first")
    return str(found[0]["StateValue"])


def drive(function: str, alias: str, calls: int, event: Any = None) -> dict[str, int]:
    """Invoke `function:alias` `calls` times; how many ran on each version, ok or with an error."""
    client = boto3.client("lambda")
    payload = json.dumps({} if event is None else event).encode()
    seen: Counter[str] = Counter()
    for _ in range(calls):
        answer = client.invoke(FunctionName=function, Qualifier=alias, Payload=payload)
        answer["Payload"].read()
        seen[f"{answer['ExecutedVersion']} {'error' if answer.get('FunctionError') else 'ok'}"] += 1
    return dict(seen)


def _moment(handle: GradualDeployment, new_version: str, alarm: str, started: float) -> Moment:
    """The alias, the alarm and the deployment's status as they are now."""
    alias = boto3.client("lambda").get_alias(FunctionName=handle.function, Name=handle.alias)
    now = sandbox.start().clock.now()
    return Moment((now - started) / 60, alias["FunctionVersion"], new_weight(alias, new_version),
                  alarm_state(alarm), handle.status)


def watch(handle: GradualDeployment, new_version: str, alarm: str, minutes: int, calls_per_minute: int,
          event: Any = None) -> list[Moment]:
    """Drive traffic through the deployment's alias for `minutes` minutes of sandbox clock, one Moment a minute.

    The last Moment is taken after the last minute, with no traffic: where the alias and the alarm ended up.
    """
    started = sandbox.start().clock.now()
    moments = []
    for _ in range(minutes):
        moment = _moment(handle, new_version, alarm, started)
        calls = drive(handle.function, handle.alias, calls_per_minute, event)
        moments.append(Moment(moment.minute, moment.version, moment.new_weight, moment.alarm, moment.status, calls))
        handle.advance(minutes=1)
    moments.append(_moment(handle, new_version, alarm, started))
    return moments


__all__ = ["AlarmNotFound", "Moment", "alarm_state", "drive", "new_weight", "watch"]
