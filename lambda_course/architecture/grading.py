"""Grade a learner's structured answer to one scenario: the platform, the deciding constraints, the numbers.

An answer is a mapping (or an `Answer`)::

    {"choice": "fargate", "constraints": ["15-minute-limit"], "numbers": {"lambda_monthly_usd": 44.87}}

Each part earns the scenario's points for it; the feedback explains, with the numbers from the facts file,
every constraint the answer missed or misapplied. Grading needs the scenario's answer from the answer key, so
where the key cannot be read (a learner's code while a lab is graded) `grade_answer` raises
AnswerKeysUnavailable rather than give any points. Checking an answer's form (`read_answer`) needs only the
vocabulary and works everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambda_course.architecture.bank import OPTIONS, Bank, Scenario, load_bank
from lambda_course.architecture.numbers import HOW_TO, compute, describe, workload_from_spec

ABS_TOLERANCE_USD = 0.01


class AnswerFormError(ValueError):
    """An answer that cannot be graded as given (not a mapping, an unknown option or constraint)."""


@dataclass(frozen=True)
class Answer:
    """A learner's answer: a platform, the constraints that decide it, and any numbers asked for."""

    choice: str
    constraints: tuple[str, ...] = ()
    numbers: Mapping[str, float] = field(default_factory=dict)


@dataclass
class ScenarioResult:
    """Points per part of one scenario's answer, and feedback a learner can act on."""

    scenario_id: str
    parts: dict[str, float] = field(default_factory=dict)
    max_parts: dict[str, float] = field(default_factory=dict)
    feedback: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        """Points earned."""
        return sum(self.parts.values())

    @property
    def max_points(self) -> float:
        """Points available."""
        return sum(self.max_parts.values())

    @property
    def full_marks(self) -> bool:
        """True when every part earned all its points."""
        return all(math.isclose(self.parts[k], self.max_parts[k]) for k in self.max_parts)

    @property
    def message(self) -> str:
        """The feedback as one text, headed by the score."""
        head = f"Scenario {self.scenario_id}: {self.points:g} of {self.max_points:g} points."
        return "\n".join([head, *(f"- {line}" for line in self.feedback)])


def read_answer(answer: Answer | Mapping[str, Any], bank: Bank | None = None) -> Answer:
    """Check an answer's form and return it as an Answer; AnswerFormError says what to fix."""
    bank = bank or load_bank()
    if isinstance(answer, Answer):
        answer = {"choice": answer.choice, "constraints": answer.constraints, "numbers": answer.numbers}
    if not isinstance(answer, Mapping):
        raise AnswerFormError(
            f"An answer is a dict such as {{'choice': 'lambda', 'constraints': ['spiky-traffic']}}, "
            f"not {type(answer).__name__}."
        )
    unknown_keys = set(answer) - {"choice", "constraints", "numbers"}
    if unknown_keys:
        raise AnswerFormError(
            f"An answer has the keys choice, constraints and numbers; not {sorted(unknown_keys)}."
        )
    choice = answer.get("choice")
    if choice not in OPTIONS:
        raise AnswerFormError(f"'choice' must be one of {', '.join(map(repr, OPTIONS))}, not {choice!r}.")
    constraints = answer.get("constraints", ())
    if isinstance(constraints, str) or not all(isinstance(c, str) for c in constraints):
        raise AnswerFormError("'constraints' is a list of words from the vocabulary, such as ['gpu'].")
    unknown = [c for c in constraints if c not in bank.constraints]
    if unknown:
        raise AnswerFormError(
            f"{', '.join(map(repr, unknown))} is not in the vocabulary; use these words: "
            f"{', '.join(bank.constraints)}."
        )
    numbers = answer.get("numbers") or {}
    if not isinstance(numbers, Mapping):
        raise AnswerFormError("'numbers' is a dict from a number's name to its value.")
    return Answer(choice, tuple(dict.fromkeys(constraints)), dict(numbers))


def grade_answer(
    scenario_id: str, answer: Answer | Mapping[str, Any], bank: Bank | None = None
) -> ScenarioResult:
    """Grade one answer to one scenario; a malformed answer raises AnswerFormError.

    AnswerKeysUnavailable when the bank has no answer for the scenario (the answer key cannot be read here).
    """
    bank = bank or load_bank()
    scenario = bank.answered(scenario_id)
    given = read_answer(answer, bank)
    result = ScenarioResult(scenario.id, max_parts=dict(scenario.points))
    result.parts["choice"] = _grade_choice(scenario, given, bank, result.feedback)
    result.parts["constraints"] = _grade_constraints(scenario, given, bank, result.feedback)
    if scenario.numbers:
        result.parts["numbers"] = _grade_numbers(scenario, given, result.feedback)
    return result


def judge_choice(scenario_id: str, answer: Answer | Mapping[str, Any], bank: Bank | None = None) -> tuple[bool, str]:
    """Whether the answer's platform fits the scenario, and the feedback on it (empty when it is the best fit)."""
    bank = bank or load_bank()
    scenario = bank.answered(scenario_id)
    feedback: list[str] = []
    points = _grade_choice(scenario, read_answer(answer, bank), bank, feedback)
    return math.isclose(points, scenario.points["choice"]), " ".join(feedback)


@dataclass(frozen=True)
class ConstraintVerdict:
    """The call on one constraint shown with a scenario: right or not, and why, for the learner to read."""

    constraint: str
    right: bool
    why: str


def judge_constraints(
    scenario_id: str, answer: Answer | Mapping[str, Any], bank: Bank | None = None
) -> list[ConstraintVerdict]:
    """One verdict per constraint the scenario shows (its `weigh`), in that order.

    A deciding constraint is right when the answer names it; one that does not bear on the workload is right when
    the answer leaves it out, provided the answer names at least one constraint (an empty list weighs nothing).
    AnswerKeysUnavailable where the key cannot be read; ValueError for a scenario not graded one by one.
    """
    bank = bank or load_bank()
    scenario = bank.answered(scenario_id)
    if not scenario.weigh:
        raise ValueError(f"Scenario {scenario_id!r} shows no constraints to weigh one by one.")
    named = set(read_answer(answer, bank).constraints)
    return [_constraint_verdict(c, c in scenario.deciding, named, bank) for c in scenario.weigh]


def _constraint_verdict(constraint: str, deciding: bool, named: set[str], bank: Bank) -> ConstraintVerdict:
    """The call on one shown constraint, with the explanation the learner reads either way."""
    explain = bank.constraints[constraint].explain
    if deciding:
        if constraint in named:
            return ConstraintVerdict(constraint, True, f"{constraint!r} drives this choice, as you said.")
        return ConstraintVerdict(constraint, False, f"{constraint!r} drives this choice, but your answer leaves it "
                                                    f"out. Ask what in the description it speaks to: {explain}")
    if constraint in named:
        return ConstraintVerdict(constraint, False, f"{constraint!r} does not bear on this workload, but your answer "
                                                    f"names it. It says: {explain}")
    if not named:
        return ConstraintVerdict(constraint, False, "Your answer names no constraint yet: name those that drive "
                                                    "your choice.")
    return ConstraintVerdict(constraint, True, f"{constraint!r} does not bear on this workload, and you left it out.")


def _grade_choice(scenario: Scenario, given: Answer, bank: Bank, feedback: list[str]) -> float:
    """The choice's points, and why another option does not fit when the answer picked it."""
    points = scenario.points["choice"]
    if given.choice == scenario.choice:
        return points
    if given.choice in scenario.also_accepted:
        feedback.append(f"{given.choice} is defensible here. {scenario.accepted_note}".strip())
        return points
    reasons = scenario.rules_out.get(given.choice) or ("mixed-workload",)
    why = scenario.why_not.get(given.choice, "Nothing in this workload needs two platforms.")
    feedback.append(
        f"{given.choice} does not fit this workload; the better choice is {scenario.choice}. {why} "
        + " ".join(f"[{c}] {bank.constraints[c].explain}" for c in reasons)
    )
    return 0.0


def _grade_constraints(scenario: Scenario, given: Answer, bank: Bank, feedback: list[str]) -> float:
    """Share of the deciding constraints named; each one named that does not apply cancels one found."""
    named = set(given.constraints)
    found = [c for c in scenario.deciding if c in named]
    off = [c for c in given.constraints if c not in scenario.applicable]
    for c in scenario.deciding:
        if c not in named:
            feedback.append(f"You did not name the deciding constraint {c!r}: {bank.constraints[c].explain}")
    for c in off:
        feedback.append(f"{c!r} does not bear on this workload: {bank.constraints[c].explain}")
    share = max(0, len(found) - len(off)) / len(scenario.deciding)
    return round(scenario.points["constraints"] * share, 4)


def _grade_numbers(scenario: Scenario, given: Answer, feedback: list[str]) -> float:
    """Share of the asked numbers within tolerance of the model's values."""
    workload = workload_from_spec(scenario.workload or {})
    right = 0
    for key in scenario.numbers:
        expected = compute(key, workload)
        actual = given.numbers.get(key)
        if _close(actual, expected, scenario.tolerance):
            right += 1
        elif actual is None:
            feedback.append(f"Give numbers[{key!r}], {describe(key)}: compute it with {HOW_TO[key]}.")
        else:
            feedback.append(
                f"numbers[{key!r}] is {actual!r}, but the model gives about {_show(expected)} for "
                f"{describe(key)}. Compute it with {HOW_TO[key]} for this scenario's workload."
            )
    return round(scenario.points["numbers"] * right / len(scenario.numbers), 4)


def _close(actual: Any, expected: float | None, tolerance: float) -> bool:
    """True when a learner's number matches the model's within the relative tolerance (or a cent)."""
    if expected is None or isinstance(actual, bool) or not isinstance(actual, int | float):
        return expected is None and actual is None
    return math.isclose(actual, expected, rel_tol=tolerance, abs_tol=ABS_TOLERANCE_USD)


def _show(number: float | None) -> str:
    """A model number rounded for a message."""
    return "no crossing (None)" if number is None else f"{number:,.2f}"
