"""IAM in the sandbox: calls made by handler code run as the function's execution role.

`install()` puts three things in place:
- enforcement: requests signed with an execution role's temporary credentials are authorised by
  `iampolicy.evaluate` with the role's policies, its permissions boundary, and the resource-based policy of the
  resource (S3 bucket, SQS queue, SNS topic, Lambda function, KMS key, Secrets Manager secret, role trust
  policy); a denied call fails with the service's own error. The learner's own calls (key `testing`) are never
  restricted. Functions deployed without a role of their own get `lambda_course.deploy`'s demo role, whose policy
  allows everything, so it passes the same evaluation. Switch enforcement off with `sb.enforce_iam = False`.
- IAM's SimulateCustomPolicy and SimulatePrincipalPolicy, answered with the same evaluator.
- function-policy checks for S3, SNS, EventBridge and API Gateway triggers and for function URLs, on by
  default as on AWS (`sb.enforce_resource_policies = False` turns them off).
The sandbox installs enforcement when it starts, and the other two when IAM, S3 or SNS is first called.
"""

from __future__ import annotations

from . import seam


def install() -> None:
    """Install enforcement, the simulation APIs and the trigger checks (idempotent)."""
    from . import simulation, triggers

    seam.install()
    simulation.install()
    triggers.install()


__all__ = ["install"]
