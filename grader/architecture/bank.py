"""The scenario bank: workloads, the platform each one should run on, and the constraints that decide it.

The data lives in `bank.toml` next to this module; `load_bank()` reads and checks it once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from grader import model
from grader.architecture.numbers import NUMBERS, workload_from_spec
from grader.architecture.render import cited_keys, format_number, render
from grader.facts import all_facts, value

OPTIONS = ("lambda", "fargate", "eks", "hybrid")
DEFAULT_POINTS = {"choice": 1.0, "constraints": 1.0, "numbers": 1.0}
TIME_LIMIT = "15-minute-limit"


class BankError(ValueError):
    """The bank's data breaks one of its own rules (an unknown constraint, a missing choice...)."""


@dataclass(frozen=True)
class Constraint:
    """One word of the vocabulary learners give reasons in, with its explanation and the facts it cites."""

    id: str
    explain_template: str
    facts: tuple[str, ...] = ()

    @property
    def explain(self) -> str:
        """The explanation with the facts' current values in it."""
        return render(self.explain_template)


@dataclass(frozen=True)
class Scenario:
    """One workload and its defensible answer."""

    id: str
    title: str
    description: str
    choice: str
    deciding: tuple[str, ...]
    relevant: tuple[str, ...] = ()
    also_accepted: tuple[str, ...] = ()
    accepted_note: str = ""
    rules_out: dict[str, tuple[str, ...]] = field(default_factory=dict)
    why_not: dict[str, str] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    workload: dict[str, Any] | None = None
    numbers: tuple[str, ...] = ()
    tolerance: float = 0.02
    job_minutes: float | None = None

    @property
    def max_points(self) -> float:
        """Points the scenario is worth."""
        return sum(self.points.values())

    @property
    def applicable(self) -> set[str]:
        """Every constraint that bears on this workload: deciding, relevant or ruling an option out."""
        ruling = {c for names in self.rules_out.values() for c in names}
        return set(self.deciding) | set(self.relevant) | ruling


@dataclass(frozen=True)
class Bank:
    """The options, the constraint vocabulary and the scenarios."""

    options: dict[str, str]
    constraints: dict[str, Constraint]
    scenarios: dict[str, Scenario]

    def scenario(self, scenario_id: str) -> Scenario:
        """The scenario called `scenario_id`, with a message naming the known ones otherwise."""
        if scenario_id not in self.scenarios:
            raise KeyError(f"No scenario called {scenario_id!r}; the bank has: {', '.join(self.scenarios)}.")
        return self.scenarios[scenario_id]


@cache
def load_bank() -> Bank:
    """The bank in `grader/architecture/bank.toml`, checked."""
    raw = tomllib.loads(resources.files("grader.architecture").joinpath("bank.toml").read_text())
    return parse_bank(raw)


def parse_bank(raw: dict[str, Any]) -> Bank:
    """Build and check a bank from its TOML data; BankError says what is wrong."""
    constraints = {key: _constraint(key, entry) for key, entry in raw.get("constraints", {}).items()}
    scenarios = {key: _scenario(key, entry) for key, entry in raw.get("scenarios", {}).items()}
    bank = Bank(dict(raw.get("options", {})), constraints, scenarios)
    problems = check_bank(bank)
    if problems:
        raise BankError("The scenario bank is not valid:\n  " + "\n  ".join(problems))
    return bank


def _constraint(key: str, entry: dict[str, Any]) -> Constraint:
    return Constraint(key, entry["explain"], tuple(entry.get("facts", ())))


def _scenario(key: str, entry: dict[str, Any]) -> Scenario:
    numbers = tuple(entry.get("numbers", ()))
    points = {k: v for k, v in DEFAULT_POINTS.items() if k != "numbers" or numbers}
    points.update({k: float(v) for k, v in entry.get("points", {}).items()})
    return Scenario(
        id=key,
        title=entry.get("title", ""),
        description=entry.get("description", ""),
        choice=entry.get("choice", ""),
        deciding=tuple(entry.get("deciding", ())),
        relevant=tuple(entry.get("relevant", ())),
        also_accepted=tuple(entry.get("also_accepted", ())),
        accepted_note=entry.get("accepted_note", ""),
        rules_out={k: tuple(v) for k, v in entry.get("rules_out", {}).items()},
        why_not=dict(entry.get("why_not", {})),
        points=points,
        workload=entry.get("workload"),
        numbers=numbers,
        tolerance=float(entry.get("tolerance", 0.02)),
        job_minutes=entry.get("job_minutes"),
    )


def check_bank(bank: Bank) -> list[str]:
    """Every broken rule in the bank, as sentences; empty when it is valid."""
    problems = [f"option {o!r} is not described under [options]" for o in OPTIONS if o not in bank.options]
    facts = all_facts()
    for c in bank.constraints.values():
        cited, listed = cited_keys(c.explain_template), set(c.facts)
        problems += [f"constraint {c.id}: unknown fact {k!r}" for k in sorted((cited | listed) - set(facts))]
        problems += [f"constraint {c.id}: cites {k!r} but does not list it" for k in sorted(cited - listed)]
    for s in bank.scenarios.values():
        problems += [f"scenario {s.id}: {p}" for p in _scenario_problems(s, bank)]
    return problems


def _scenario_problems(s: Scenario, bank: Bank) -> list[str]:
    """What is wrong with one scenario."""
    problems = []
    if not s.description or not s.title:
        problems.append("needs a title and a description")
    if s.choice not in OPTIONS:
        problems.append(f"choice {s.choice!r} is not one of {', '.join(OPTIONS)}")
    if not s.deciding:
        problems.append("names no deciding constraint")
    named = set(s.deciding) | set(s.relevant) | {c for cs in s.rules_out.values() for c in cs}
    problems += [f"unknown constraint {c!r}" for c in sorted(named - set(bank.constraints))]
    others = [o for o in OPTIONS if o not in (s.choice, "hybrid", *s.also_accepted)]
    problems += [f"says nothing about why not {o}" for o in others if not s.rules_out.get(o)]
    if s.choice in s.rules_out:
        problems.append(f"rules out its own choice {s.choice}")
    problems += [f"unknown option {o!r} in also_accepted" for o in s.also_accepted if o not in OPTIONS]
    if s.numbers and not s.workload:
        problems.append("asks for numbers but gives no workload")
    problems += [f"unknown number {n!r}" for n in s.numbers if n not in NUMBERS]
    problems += _workload_problems(s)
    problems += _time_limit_problems(s)
    return problems


def _workload_problems(s: Scenario) -> list[str]:
    """A workload the cost model cannot build, or would not run on Lambda when Lambda is the answer."""
    if s.workload is None:
        return []
    try:
        workload = workload_from_spec(s.workload)
        if "lambda" in (s.choice, *s.also_accepted):
            model.lambda_cost(workload)
    except (TypeError, ValueError, KeyError) as error:
        return [f"workload is not one the cost model accepts: {error}"]
    return []


def _time_limit_problems(s: Scenario) -> list[str]:
    """Where the 15-minute limit decides or rules an option out, the job must really outlast Lambda's timeout."""
    cites_limit = TIME_LIMIT in s.deciding or any(TIME_LIMIT in names for names in s.rules_out.values())
    if not cites_limit:
        return []
    limit_s = value("timeout_max_s")
    if s.job_minutes is None:
        return [f"cites {TIME_LIMIT} but gives no job_minutes"]
    if s.job_minutes * 60 <= limit_s:
        return [
            f"cites {TIME_LIMIT}, but its job of {format_number(s.job_minutes)} minutes fits in the "
            f"{format_number(limit_s)} s (timeout_max_s) a Lambda invocation may run"
        ]
    return []
