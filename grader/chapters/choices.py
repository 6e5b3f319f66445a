"""The traits chapter 09's Chooser offers, each answered by a scenario of the architecture bank.

The bank (`grader/architecture/bank.toml`, with its answer key) is what lab 6 grades against. Each trait here only
names the bank scenario that shows it and the deciding constraint it stands for; the platform and the reason are
read from the bank, so the chapter and the lab cannot drift apart.
"""

from __future__ import annotations

from grader.architecture.bank import Bank, load_bank

# (what the learner ticks, the bank scenario that shows it, the deciding constraint of that scenario)
TRAITS: tuple[tuple[str, str, str], ...] = (
    ("Traffic arrives in sudden bursts", "spiky-api-backend", "spiky-traffic"),
    ("Idle or light for much of the day", "contact-form", "scale-to-zero"),
    ("Work is triggered by events (uploads, messages, schedules)", "s3-image-thumbnails", "event-driven"),
    ("One piece of work runs longer than a function may", "batch-40-minutes", "15-minute-limit"),
    ("Clients keep connections open (WebSockets)", "websocket-chat", "long-lived-connections"),
    ("Needs GPUs", "gpu-inference", "gpu"),
    ("Steady, high load around the clock", "steady-2000-rps", "steady-high-throughput-cost"),
    ("Must run on other clouds or on-premises too", "multi-cloud-product", "portability"),
    ("The organisation already runs a Kubernetes platform", "platform-on-kubernetes", "existing-kubernetes"),
)

PLATFORM_NAMES = {"lambda": "Lambda", "fargate": "Fargate", "eks": "EKS (Kubernetes)", "hybrid": "a hybrid"}


def chooser_rules(bank: Bank | None = None) -> list[tuple[str, str, str]]:
    """(trait, platform, reason) for every trait, with the platform and reason taken from the bank."""
    bank = bank or load_bank()
    rules = []
    for trait, scenario_id, constraint_id in TRAITS:
        scenario = bank.answered(scenario_id)  # the platform is the scenario's answer
        if constraint_id not in scenario.deciding:
            raise ValueError(f"{constraint_id!r} does not decide the bank's scenario {scenario_id!r}; "
                             f"its deciding constraints are {', '.join(scenario.deciding)}")
        reason = f"{bank.constraints[constraint_id].explain} (as in “{scenario.title}”)"
        rules.append((trait, PLATFORM_NAMES[scenario.choice], reason))
    return rules
