"""The numbers a scenario asks for, computed with the course's cost model (`lambda_course.model`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_course import model
from lambda_course.model import Workload

RATE_KINDS: dict[str, Callable[..., model.RateSeries]] = {
    "steady": model.steady,
    "diurnal": model.diurnal,
    "spike": model.spike,
}

NUMBERS: dict[str, tuple[str, Callable[[Workload], float | None]]] = {
    "lambda_monthly_usd": ("Lambda's monthly bill in USD", lambda w: model.monthly_cost(w, "lambda").total),
    "fargate_monthly_usd": (
        "Fargate's monthly bill in USD",
        lambda w: model.monthly_cost(w, "fargate").total,
    ),
    "eks_monthly_usd": ("EKS's monthly bill in USD", lambda w: model.monthly_cost(w, "eks").total),
    "crossover_rps_fargate": (
        "the average requests per second at which Lambda costs as much as Fargate",
        lambda w: model.crossover_rate(w, against="fargate"),
    ),
    "crossover_rps_eks": (
        "the average requests per second at which Lambda costs as much as EKS",
        lambda w: model.crossover_rate(w, against="eks"),
    ),
}

HOW_TO = {
    "lambda_monthly_usd": 'monthly_cost(workload, "lambda").total',
    "fargate_monthly_usd": 'monthly_cost(workload, "fargate").total',
    "eks_monthly_usd": 'monthly_cost(workload, "eks").total',
    "crossover_rps_fargate": 'crossover_rate(workload, against="fargate")',
    "crossover_rps_eks": 'crossover_rate(workload, against="eks")',
}


def workload_from_spec(spec: dict[str, Any]) -> Workload:
    """A model Workload from a scenario's `workload` table, whose `rate` is {kind, ...arguments}.

    TOML has no null, so `api = "none"` stands for a workload with no API Gateway in front.
    """
    fields = dict(spec)
    if fields.get("api") == "none":
        fields["api"] = None
    rate = dict(fields.pop("rate"))
    kind = rate.pop("kind")
    if kind not in RATE_KINDS:
        raise ValueError(f"rate kind must be one of {', '.join(RATE_KINDS)}, not {kind!r}")
    return Workload(RATE_KINDS[kind](**rate), **fields)


def describe(key: str) -> str:
    """What a number key means, in words."""
    return NUMBERS[key][0]


def compute(key: str, workload: Workload) -> float | None:
    """One number from the model for a workload."""
    return NUMBERS[key][1](workload)
