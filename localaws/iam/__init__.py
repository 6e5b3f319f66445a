"""IAM in the sandbox: calls made by handler code run as the function's execution role.

`install()` puts three things in place:
- enforcement: requests signed with an execution role's temporary credentials are authorised by
  `iampolicy.evaluate` with the role's policies, its permissions boundary, and the resource-based policy of the
  resource (S3 bucket, SQS queue, SNS topic, Lambda function, KMS key, Secrets Manager secret, role trust
  policy); a denied call fails with the service's own error. The learner's own calls (key `testing`) are never
  restricted. Functions deployed without a role of their own get `lambda_course.deploy`'s demo role, whose policy
  allows everything, so it passes the same evaluation. Switch enforcement off with `sb.enforce_iam = False`.
- IAM's SimulateCustomPolicy and SimulatePrincipalPolicy, answered with the same evaluator.
Besides, `function_policy` holds the function-policy checks that S3, SNS, EventBridge, API Gateway and Secrets
Manager deliveries and function URLs call, on by default as on AWS (`sb.enforce_resource_policies = False`
turns them off). The sandbox installs enforcement when it starts, and the simulation when IAM is first called.
"""

from __future__ import annotations

from . import seam


def install() -> None:
    """Install enforcement and the simulation APIs (idempotent)."""
    from . import simulation  # loads at IAM's first call (see localaws.sandbox): start-up time

    seam.install()
    simulation.install()


__all__ = ["install"]
