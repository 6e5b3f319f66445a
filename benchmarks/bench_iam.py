"""How many IAM decisions per second the evaluator makes on a realistic policy set.

Ten policies with fifty statements in all (identity policies, a permissions boundary, a resource policy and a
session policy), with wildcards, NotAction/NotResource, policy variables and conditions of several families.
Run: .venv/bin/python benchmarks/bench_iam.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import itertools
import time

from iampolicy import Policy, Request, evaluate

ACCOUNT = "111122223333"
SERVICES = ["lambda", "s3", "dynamodb", "sqs", "logs"]


def _statement(i: int) -> dict:
    """A varied statement: the index picks the effect, the service and the kind of condition."""
    service = SERVICES[i % len(SERVICES)]
    statement: dict = {
        "Sid": f"S{i}",
        "Effect": "Deny" if i % 9 == 0 else "Allow",
        "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Invoke*"] if i % 4 else f"{service}:*",
        "Resource": f"arn:aws:{service}:*:{ACCOUNT}:*${{aws:username}}*" if i % 5 == 0 else
        f"arn:aws:{service}:us-east-1:{ACCOUNT}:*-{i % 7}",
    }
    conditions = [
        {"StringEquals": {"aws:PrincipalTag/team": ["orders", "billing", f"team-{i}"]}},
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"ForAllValues:StringLike": {"aws:TagKeys": ["env*", "cost-*"]}},
        {"Bool": {"aws:SecureTransport": "true"}, "NumericLessThanEquals": {"s3:max-keys": "100"}},
    ]
    if i % 3:
        statement["Condition"] = conditions[i % len(conditions)]
    return statement


def policy_set() -> dict[str, list]:
    """Fifty statements over ten policies of four kinds."""
    statements = [_statement(i) for i in range(50)]
    doc = lambda chunk: {"Version": "2012-10-17", "Statement": chunk}  # noqa: E731
    identity = [(f"identity-{n}", doc(statements[n * 5 : n * 5 + 5])) for n in range(7)]
    boundary = [("boundary", doc([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}] + statements[35:40]))]
    for st in statements[40:45]:
        st["Principal"] = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    resource = [("function-policy", doc(statements[40:45]))]
    session = [("session", doc([{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret/*"}]
                               + statements[45:50]))]
    return {"identity_policies": identity, "permission_boundaries": boundary, "resource_policies": resource,
            "session_policies": session}


def requests() -> list[Request]:
    """A mix of principals, actions, resources and contexts."""
    principals = [f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:sts::{ACCOUNT}:assumed-role/app/run"]
    actions = ["lambda:InvokeFunction", "s3:GetObject", "dynamodb:GetItem", "sqs:SendMessage", "logs:PutLogEvents"]
    contexts = [
        {"aws:PrincipalTag/team": "orders", "aws:SourceIp": "10.1.2.3", "aws:CurrentTime": "2026-03-01T10:00:00Z"},
        {"aws:TagKeys": ["env", "cost-center"], "aws:SecureTransport": True, "s3:max-keys": "50"},
        {},
    ]
    out = []
    for n, (principal, action, context) in enumerate(itertools.product(principals, actions, contexts)):
        service = action.split(":")[0]
        out.append(Request(principal, action, f"arn:aws:{service}:us-east-1:{ACCOUNT}:res-{n % 7}", context))
    return out


def parsed(policies: dict[str, list]) -> dict[str, list]:
    """The same policy set parsed once into Policy objects, as a long-lived caller would keep them."""
    return {kind: [Policy.parse(doc, name=name) for name, doc in items] for kind, items in policies.items()}


def measure(seconds: float, parse_once: bool = True) -> tuple[float, dict[str, int]]:
    """Decisions per second over roughly `seconds`, and how the outcomes split."""
    policies, batch = policy_set(), requests()
    if parse_once:
        policies = parsed(policies)
    outcomes: dict[str, int] = {}
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for request in batch:
            outcome = evaluate(request, **policies).outcome.value
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        count += len(batch)
    return count / (time.perf_counter() - start), outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds
    rate, outcomes = measure(seconds)
    print(f"IAM evaluator: {rate:,.0f} decisions per second (10 policies, 50 statements, parsed once); "
          f"outcomes {outcomes}")
    rate, _ = measure(seconds, parse_once=False)
    print(f"IAM evaluator: {rate:,.0f} decisions per second when given the policies as dicts on every call")


if __name__ == "__main__":
    main()
