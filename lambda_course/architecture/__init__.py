"""Architecture choices: workloads to place on Lambda, Lambda Managed Instances, Fargate, EKS or a hybrid, graded.

    from lambda_course import architecture
    bank = architecture.load_bank()
    bank.scenario("batch-40-minutes").description
    architecture.vocabulary()                              # constraint id -> explanation with real numbers
    result = architecture.grade_answer("batch-40-minutes", {"choice": "fargate",
                                                             "constraints": ["15-minute-limit"]})
    result.points, result.max_points, result.message

Scenario answers come from the answer key `lambda_course/answers/architecture.toml`, which only the grader reads; where
it cannot be read (a learner's code while a lab is graded) the bank has the descriptions, workloads and
vocabulary but no answers, and `grade_answer` raises AnswerKeysUnavailable.

For the hybrid build, `start_standin(name)` runs a stand-in for a service's pods on loopback and
`load_balancer_for(service)` puts an internal load balancer in front of it that API Gateway can reach through
a VPC link.
"""

from __future__ import annotations

from lambda_course.answerkeys import AnswerKeysUnavailable
from lambda_course.architecture.bank import OPTIONS, Bank, BankError, Constraint, Scenario, load_bank
from lambda_course.architecture.grading import (
    Answer,
    AnswerFormError,
    ConstraintVerdict,
    ScenarioResult,
    grade_answer,
    judge_constraints,
    read_answer,
)
from lambda_course.architecture.hybrid import LoadBalancer, RouteTarget, load_balancer_for, route_targets, start_standin
from lambda_course.architecture.numbers import workload_from_spec
from localaws.standin import StandInService, running_standin, stop_all


def vocabulary() -> dict[str, str]:
    """Every constraint a learner may name, with its explanation (numbers read from the facts file)."""
    return {key: c.explain for key, c in load_bank().constraints.items()}


def scenario_workload(scenario_id: str):  # noqa: ANN201 - a lambda_course.model.Workload
    """The cost-model workload of a scenario that has one."""
    spec = load_bank().scenario(scenario_id).workload
    if spec is None:
        raise KeyError(f"Scenario {scenario_id!r} has no workload for the cost model.")
    return workload_from_spec(spec)


__all__ = [
    "OPTIONS",
    "Answer",
    "AnswerFormError",
    "AnswerKeysUnavailable",
    "Bank",
    "BankError",
    "Constraint",
    "ConstraintVerdict",
    "LoadBalancer",
    "RouteTarget",
    "Scenario",
    "ScenarioResult",
    "StandInService",
    "grade_answer",
    "judge_constraints",
    "load_balancer_for",
    "load_bank",
    "read_answer",
    "route_targets",
    "running_standin",
    "scenario_workload",
    "start_standin",
    "stop_all",
    "vocabulary",
    "workload_from_spec",
]
