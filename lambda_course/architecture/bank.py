"""The scenario bank: workloads, the platform each one should run on, and the constraints that decide it.

What a learner reads (the options, the constraint vocabulary, each scenario's title, description and workload)
lives in `bank.toml` next to this module. Each scenario's answer (its choice, the constraints that decide it,
the numbers it asks for) lives in the answer key `lambda_course/answers/architecture.toml`, which only the grader can
read. `load_bank()` reads and checks both once; where the key cannot be read (a learner's code while a lab is
graded) it gives the learner's view: the same scenarios with no answers, `has_answers` False.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from lambda_course import answerkeys, model
from lambda_course.answerkeys import AnswerKeysUnavailable
from lambda_course.architecture.numbers import NUMBERS, workload_from_spec
from lambda_course.architecture.render import cited_keys, format_number, render
from localaws.facts import all_facts, value

OPTIONS = ("lambda", "fargate", "eks", "hybrid", "lambda-managed-instances")
DEFAULT_POINTS = {"choice": 1.0, "constraints": 1.0, "numbers": 1.0}
TIME_LIMIT = "15-minute-limit"
ANSWER_KEY = "architecture"  # lambda_course/answers/architecture.toml
ANSWER_FIELDS = (
    "choice", "also_accepted", "accepted_note", "deciding", "relevant", "rules_out", "why_not", "points",
    "numbers", "tolerance", "job_minutes",
)


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
    """One workload and, when the answer key was read (`has_answers`), its defensible answer.

    Without the key every answer field is empty: what a learner's code sees while a lab is graded.
    """

    id: str
    title: str
    description: str
    workload: dict[str, Any] | None = None
    weigh: tuple[str, ...] = ()  # the constraints shown with it, when its constraints are graded one by one
    has_answers: bool = False
    choice: str = ""
    deciding: tuple[str, ...] = ()
    relevant: tuple[str, ...] = ()
    also_accepted: tuple[str, ...] = ()
    accepted_note: str = ""
    rules_out: dict[str, tuple[str, ...]] = field(default_factory=dict)
    why_not: dict[str, str] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
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

    @property
    def has_answers(self) -> bool:
        """True when every scenario carries its answer (the answer key was read)."""
        return bool(self.scenarios) and all(s.has_answers for s in self.scenarios.values())

    def answered(self, scenario_id: str) -> Scenario:
        """The scenario called `scenario_id` with its answer; AnswerKeysUnavailable where the key is not read."""
        scenario = self.scenario(scenario_id)
        if not scenario.has_answers:
            raise AnswerKeysUnavailable(
                f"Scenario {scenario_id!r} cannot be graded here: its answer is in the answer key "
                f"{answerkeys.path(ANSWER_KEY)}, and answer keys are read only by the grader, outside the jail "
                "a lab's code runs in while it is graded."
            )
        return scenario


@cache
def load_bank() -> Bank:
    """The bank with every scenario's answer where the answer key can be read; the learner's view otherwise."""
    raw = read_bank_file()
    try:
        key = answerkeys.load(ANSWER_KEY)
    except AnswerKeysUnavailable:
        return parse_bank(raw, answered=False)
    return parse_bank(merge_answers(raw, key))


def read_bank_file() -> dict[str, Any]:
    """`bank.toml` as data, refused if it holds a field that belongs in the answer key."""
    raw = tomllib.loads(resources.files("lambda_course.architecture").joinpath("bank.toml").read_text())
    leaked = misplaced_answers(raw)
    if leaked:
        raise BankError("The scenario bank is not valid:\n  " + "\n  ".join(leaked))
    return raw


def misplaced_answers(raw: dict[str, Any]) -> list[str]:
    """Each answer field written in the bank's own data, where a learner's code could read it."""
    return [
        f"scenario {key}: {name} belongs in the answer key, not in bank.toml"
        for key, entry in raw.get("scenarios", {}).items()
        for name in ANSWER_FIELDS
        if name in entry
    ]


def merge_answers(raw: dict[str, Any], key: dict[str, Any]) -> dict[str, Any]:
    """The bank's data with each scenario's answer from the answer key written into it.

    The bank must hold no answer field; the key must answer every scenario of the bank, no other, and hold
    answer fields only.
    """
    scenarios, answers = raw.get("scenarios", {}), key.get("scenarios", {})
    problems = misplaced_answers(raw)
    problems += [f"scenario {s}: not in the answer key" for s in scenarios if s not in answers]
    problems += [f"answer key: scenario {s} is not in the bank" for s in answers if s not in scenarios]
    problems += [
        f"answer key: scenario {s}: {name!r} is not an answer field ({', '.join(ANSWER_FIELDS)})"
        for s, entry in answers.items()
        for name in entry
        if name not in ANSWER_FIELDS
    ]
    problems += [f"answer key: {name!r} is not a table it holds (only [scenarios.<id>])" for name in key
                 if name != "scenarios"]
    if problems:
        raise BankError("The scenario bank is not valid:\n  " + "\n  ".join(problems))
    merged = {id_: {**entry, **answers[id_]} for id_, entry in scenarios.items()}
    return {**raw, "scenarios": merged}


def parse_bank(raw: dict[str, Any], answered: bool = True) -> Bank:
    """Build and check a bank from its TOML data, with the answers merged in unless `answered` is False.

    BankError says what is wrong.
    """
    constraints = {key: _constraint(key, entry) for key, entry in raw.get("constraints", {}).items()}
    scenarios = {key: _scenario(key, entry, answered) for key, entry in raw.get("scenarios", {}).items()}
    bank = Bank(dict(raw.get("options", {})), constraints, scenarios)
    problems = check_bank(bank)
    if problems:
        raise BankError("The scenario bank is not valid:\n  " + "\n  ".join(problems))
    return bank


def _constraint(key: str, entry: dict[str, Any]) -> Constraint:
    return Constraint(key, entry["explain"], tuple(entry.get("facts", ())))


def _scenario(key: str, entry: dict[str, Any], answered: bool) -> Scenario:
    title, description, workload = entry.get("title", ""), entry.get("description", ""), entry.get("workload")
    weigh = tuple(entry.get("weigh", ()))
    if not answered:
        return Scenario(id=key, title=title, description=description, workload=workload, weigh=weigh)
    numbers = tuple(entry.get("numbers", ()))
    points = {k: v for k, v in DEFAULT_POINTS.items() if k != "numbers" or numbers}
    points.update({k: float(v) for k, v in entry.get("points", {}).items()})
    return Scenario(
        id=key,
        title=title,
        description=description,
        workload=workload,
        weigh=weigh,
        has_answers=True,
        choice=entry.get("choice", ""),
        deciding=tuple(entry.get("deciding", ())),
        relevant=tuple(entry.get("relevant", ())),
        also_accepted=tuple(entry.get("also_accepted", ())),
        accepted_note=entry.get("accepted_note", ""),
        rules_out={k: tuple(v) for k, v in entry.get("rules_out", {}).items()},
        why_not=dict(entry.get("why_not", {})),
        points=points,
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
    """What is wrong with one scenario (its answer is checked only where it was read)."""
    problems = []
    if not s.description or not s.title:
        problems.append("needs a title and a description")
    problems += _workload_problems(s)
    problems += [f"weighs unknown constraint {c!r}" for c in s.weigh if c not in bank.constraints]
    if s.has_answers:
        problems += _answer_problems(s, bank)
    return problems


def _answer_problems(s: Scenario, bank: Bank) -> list[str]:
    """What is wrong with one scenario's answer."""
    problems = []
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
    problems += _time_limit_problems(s)
    problems += _weigh_problems(s)
    return problems


def _weigh_problems(s: Scenario) -> list[str]:
    """The constraints shown for one-by-one grading: every deciding one, and none that merely bears on it.

    Each shown constraint must have one right call (named when it decides, left out when it does not bear on
    the workload); a constraint that is relevant without deciding would have none.
    """
    if not s.weigh:
        return []
    problems = [f"weighs {c!r} but does not list it as deciding" for c in s.deciding if c not in s.weigh]
    merely = s.applicable - set(s.deciding)
    problems += [f"weighs {c!r}, which bears on it without deciding" for c in s.weigh if c in merely]
    return problems


def _workload_problems(s: Scenario) -> list[str]:
    """A workload the cost model cannot build, or would not run on Lambda when Lambda is the answer."""
    if s.workload is None:
        return []
    try:
        workload = workload_from_spec(s.workload)
        if s.has_answers and "lambda" in (s.choice, *s.also_accepted):
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
