"""The traits chapter 09's Chooser offers, each answered by a scenario of the architecture bank.

The bank (`lambda_course/architecture/bank.toml`, with its answer key) is what lab 6 grades against. Each trait
(in the answer keys, `lambda_course/answers/chooser.toml`) only names the bank scenario that shows it and the
deciding constraint it stands for; the platform and the reason are read from the bank, so the chapter and the lab
cannot drift apart.
"""

from __future__ import annotations

from lambda_course import answerkeys
from lambda_course.architecture.bank import Bank, load_bank


def traits() -> tuple[tuple[str, str, str], ...]:
    """(what the learner ticks, the bank scenario that shows it, its deciding constraint), from the answer keys.

    The pairs name deciding constraints lab 6 grades, so they live with the answer keys (lambda_course/answers/),
    out of sight of a graded notebook.
    """
    return tuple((t["text"], t["scenario"], t["constraint"]) for t in answerkeys.load("chooser")["trait"])


PLATFORM_NAMES = {"lambda": "Lambda", "fargate": "Fargate", "eks": "EKS (Kubernetes)", "hybrid": "a hybrid"}


def chooser_rules(bank: Bank | None = None) -> list[tuple[str, str, str]]:
    """(trait, platform, reason) for every trait, with the platform and reason taken from the bank."""
    bank = bank or load_bank()
    rules = []
    for trait, scenario_id, constraint_id in traits():
        scenario = bank.answered(scenario_id)  # the platform is the scenario's answer
        if constraint_id not in scenario.deciding:
            raise ValueError(f"{constraint_id!r} does not decide the bank's scenario {scenario_id!r}; "
                             f"its deciding constraints are {', '.join(scenario.deciding)}")
        reason = f"{bank.constraints[constraint_id].explain} (as in “{scenario.title}”)"
        rules.append((trait, PLATFORM_NAMES[scenario.choice], reason))
    return rules
