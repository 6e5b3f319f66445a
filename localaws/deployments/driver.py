"""The traffic-shifting run of one Lambda deployment on the sandbox clock, watched by CloudWatch alarms.

A deployment moves an alias from its current version to a target version in the steps of its configuration
(localaws.deployments.configs) by changing the alias's RoutingConfig: the target gets the step's weight as the
additional version, and at the last step the alias points to the target with no routing left. Before every step,
at every whole minute in between (when CloudWatch evaluates alarms) and at every clock tick, the alarms are read;
one in ALARM stops the deployment, and with automatic rollback the alias goes back to the current version with no
additional weight. An alarm that cannot be read stops it too, unless the deployment ignores alarm poll failures.

https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html

Each deployment's `history` lists what happened, with the clock time, the alias's version and routing, and the
alarm states read. The steps run on clock timers at their exact clock times, so `sb.clock.advance(600)` plays a
whole canary, each step seeing the alarms as evaluated up to its own moment.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.utils import get_backend
from moto.cloudwatch.models import cloudwatch_backends

from localaws.deployments.configs import MINUTE, Step

CREATED, IN_PROGRESS, SUCCEEDED, FAILED, STOPPED = "Created", "InProgress", "Succeeded", "Failed", "Stopped"
ALARM, UNREADABLE = "ALARM", "UNREADABLE"
_EPSILON = 1e-6  # clock times within this are the same moment


@dataclass(frozen=True)
class Target:
    """What a Lambda deployment changes: one alias of one function, from one version to another."""

    account_id: str
    region: str
    function: str
    alias: str
    current: str
    target: str


@dataclass(frozen=True)
class Record:
    """One moment of a deployment's history: what was done, and the alias and alarms as they then were."""

    at: float  # clock time, seconds since the epoch
    action: str  # started, shifted, succeeded, stopped, rolled back, failed
    version: str  # the alias's own version
    routing: dict[str, float]  # AdditionalVersionWeights after the action
    alarms: dict[str, str]  # alarm name -> state read
    note: str = ""

    @property
    def target_weight(self) -> float:
        """The share of invocations the deployment's target version gets after this moment."""
        return next(iter(self.routing.values()), 0.0)


@dataclass
class Deployment:
    """One deployment: what it changes, how (steps), what stops it (alarms), and how far it got."""

    deployment_id: str
    target: Target
    plan: list[Step]
    alarms: list[str] = field(default_factory=list)
    roll_back_on_alarm: bool = True
    roll_back_on_failure: bool = True
    ignore_poll_alarm_failure: bool = False
    status: str = CREATED
    started_at: float | None = None
    ended_at: float | None = None
    error: dict[str, str] = field(default_factory=dict)  # CodeDeploy's ErrorInformation: code, message
    rolled_back: bool = False
    history: list[Record] = field(default_factory=list)
    on_end: list[Callable[[Deployment], None]] = field(default_factory=list)
    _next_step: int = 0

    @property
    def done(self) -> bool:
        return self.status in (SUCCEEDED, FAILED, STOPPED)


def _alias_now(target: Target) -> tuple[str, dict[str, float]]:
    alias = get_backend(target.account_id, target.region).get_alias(target.alias, target.function)
    config: Any = alias.routing_config  # moto types it str; it holds the API's map
    routing = (config or {}).get("AdditionalVersionWeights") or {}
    return str(alias.function_version), {str(k): float(v) for k, v in routing.items()}


def _set_alias(target: Target, version: str, routing: dict[str, float]) -> None:
    """UpdateAlias as the deployment calls it: routing {} leaves the alias on `version` alone."""
    config: Any = {"AdditionalVersionWeights": routing} if routing else {}  # moto types it str
    get_backend(target.account_id, target.region).update_alias(
        target.alias, target.function, version, None, config)  # type: ignore[arg-type]  # None keeps the description


def alarm_states(account_id: str, region: str, names: list[str]) -> dict[str, str]:
    """Each named metric alarm's state, UNREADABLE for one CloudWatch does not have."""
    alarms = cloudwatch_backends[account_id][region].alarms
    return {name: str(alarms[name].state_value) if name in alarms else UNREADABLE for name in names}


class Runner:
    """Runs deployments on the sandbox clock; `evaluate_through(t)` brings every alarm up to clock time t."""

    def __init__(self, clock: Any, evaluate_through: Callable[[float], None]) -> None:
        self.clock, self.evaluate_through = clock, evaluate_through
        self.deployments: dict[str, Deployment] = {}
        self._lock = threading.RLock()
        clock.on_tick(self._tick)

    def start(self, deployment: Deployment) -> Deployment:
        """Begin shifting traffic now (the first step at once); returns the deployment."""
        with self._lock:
            self.deployments[deployment.deployment_id] = deployment
            deployment.status, deployment.started_at = IN_PROGRESS, self.clock.now()
            self._record(deployment, deployment.started_at, "started", self._states(deployment),
                         f"version {deployment.target.current} to {deployment.target.target}")
            self._at(deployment, deployment.started_at)
        return deployment

    def clear(self) -> None:
        """Forget every deployment (the sandbox forgets every resource); one under way stops where it is."""
        with self._lock:
            for deployment in self.deployments.values():
                if not deployment.done:
                    deployment.status = STOPPED
            self.deployments.clear()

    def get(self, deployment_id: str) -> Deployment | None:
        with self._lock:
            return self.deployments.get(deployment_id)

    # -- one moment ------------------------------------------------------------------------------------------
    def _at(self, deployment: Deployment, moment: float) -> None:
        """At a check moment: alarms first (as evaluated up to now), then the steps that are due."""
        with self._lock:
            if deployment.done:
                return
            self.evaluate_through(moment)
            states = self._states(deployment)
            if self._alarmed(deployment, states):
                self._stop(deployment, moment, states)
                return
            start = float(deployment.started_at or moment)
            while (deployment._next_step < len(deployment.plan)
                   and start + deployment.plan[deployment._next_step].after <= moment + _EPSILON):
                if not self._shift(deployment, deployment.plan[deployment._next_step], moment, states):
                    return
                deployment._next_step += 1
            if deployment.done:
                return
            following = self._following(deployment, moment)
            self.clock.call_later(following - self.clock.now(), functools.partial(self._at, deployment, following))

    def _following(self, deployment: Deployment, moment: float) -> float:
        """The next check: the next whole minute (alarm evaluation) or the next step, whichever comes first."""
        next_minute = (math.floor(moment / MINUTE + _EPSILON) + 1) * MINUTE
        step = deployment.plan[deployment._next_step]
        return min(next_minute, float(deployment.started_at or moment) + step.after)

    def _shift(self, deployment: Deployment, step: Step, moment: float, states: dict[str, str]) -> bool:
        """Give the target `step.weight`; at 1.0 the alias moves to it and the deployment succeeds."""
        target = deployment.target
        try:
            if step.weight >= 1.0:
                _set_alias(target, target.target, {})
            else:
                _set_alias(target, target.current, {target.target: step.weight})
        except LambdaClientError as error:  # the alias or a version is gone: the deployment fails, loudly
            self._fail(deployment, moment, states, f"{error.code}: {error.message}")
            return False
        if step.weight >= 1.0:
            self._record(deployment, moment, "succeeded", states, "all traffic on the target version")
            self._end(deployment, SUCCEEDED, moment)
        else:
            self._record(deployment, moment, "shifted", states, f"{step.weight:.0%} of traffic on the target version")
        return True

    def _tick(self, _previous: float, now: float) -> None:
        """Every clock tick: an alarm that went to ALARM stops the deployments it watches."""
        with self._lock:
            for deployment in list(self.deployments.values()):
                if deployment.done or not deployment.alarms:
                    continue
                states = self._states(deployment)
                if self._alarmed(deployment, states):
                    self._stop(deployment, now, states)

    # -- outcomes --------------------------------------------------------------------------------------------
    def _states(self, deployment: Deployment) -> dict[str, str]:
        target = deployment.target
        return alarm_states(target.account_id, target.region, deployment.alarms)

    @staticmethod
    def _alarmed(deployment: Deployment, states: dict[str, str]) -> bool:
        unreadable = UNREADABLE in states.values() and not deployment.ignore_poll_alarm_failure
        return ALARM in states.values() or unreadable

    def _stop(self, deployment: Deployment, moment: float, states: dict[str, str]) -> None:
        """An alarm went off (or could not be read): stop, and roll the alias back if the deployment says so."""
        fired = [name for name, state in states.items() if state in (ALARM, UNREADABLE)]
        deployment.error = {"code": "ALARM_ACTIVE", "message": (
            "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and "
            f"the affected deployments have been stopped. Activated alarms: <{', '.join(fired)}>")}
        self._record(deployment, moment, "stopped", states, f"alarm {', '.join(fired)} is {states[fired[0]]}")
        if deployment.roll_back_on_alarm:
            self._roll_back(deployment, moment, states)
        self._end(deployment, STOPPED, moment)

    def _fail(self, deployment: Deployment, moment: float, states: dict[str, str], why: str) -> None:
        deployment.error = {"code": "INTERNAL_ERROR", "message": why}
        self._record(deployment, moment, "failed", states, why)
        if deployment.roll_back_on_failure:
            self._roll_back(deployment, moment, states)
        self._end(deployment, FAILED, moment)

    def _roll_back(self, deployment: Deployment, moment: float, states: dict[str, str]) -> None:
        """All traffic back on the version the alias had before the deployment, no additional weight."""
        target = deployment.target
        try:
            _set_alias(target, target.current, {})
        except LambdaClientError as error:  # said in the history; the deployment still ends stopped or failed
            self._record(deployment, moment, "rollback failed", states, f"{error.code}: {error.message}")
            return
        deployment.rolled_back = True
        self._record(deployment, moment, "rolled back", states, f"all traffic back on version {target.current}")

    def _end(self, deployment: Deployment, status: str, moment: float) -> None:
        deployment.status, deployment.ended_at = status, moment
        for listener in deployment.on_end:
            listener(deployment)

    def _record(self, deployment: Deployment, moment: float, action: str, states: Any, note: str = "") -> None:
        try:
            version, routing = _alias_now(deployment.target)
        except LambdaClientError as error:  # the alias is gone: the history says so rather than guess
            version, routing, note = "", {}, f"{note}; alias unreadable: {error.message}".lstrip("; ")
        deployment.history.append(Record(moment, action, version, routing, dict(states or {}), note))


_runner: list[Runner] = []  # the running sandbox's runner (installed at its start)


def install(clock: Any, evaluate_through: Callable[[float], None]) -> Runner:
    """Make the runner that drives deployments on `clock` (one per sandbox); returns it."""
    _runner[:] = [Runner(clock, evaluate_through)]
    return _runner[0]


def runner() -> Runner:
    """The running sandbox's runner; a RuntimeError says to start the sandbox first."""
    if not _runner:
        raise RuntimeError("Gradual deployments need the sandbox: run `sandbox.start()` first, then deploy again.")
    return _runner[0]


__all__ = ["ALARM", "CREATED", "FAILED", "IN_PROGRESS", "STOPPED", "SUCCEEDED", "Deployment", "Record", "Runner",
           "Target", "alarm_states", "install", "runner"]
