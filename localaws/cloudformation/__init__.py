"""CloudFormation in the sandbox: stacks whose Lambda resources really run, SAM templates, cfn-lint checks.

    from localaws import cloudformation
    cloudformation.lint(template)      # cfn-lint's findings (errors, warnings, informational)

`install()` (done by the sandbox at CloudFormation's first call) changes moto's CloudFormation at the seams declared
in localaws.seams: `stacks` (CreateStack, UpdateStack and DeleteStack: checks, the SAM transform, a failed create
rolled back), `operations` (one resource at a time, with its events), `updates` (updates and their rollback),
`dependencies` (the order resources are made and deleted in); `providers` and the modules of the resource types moto
lacks or models wrongly (`lambda_resources`, `iam_resources`, `http_api`, `rest_api` with `rest_api_body`,
`sns_resources`, `codedeploy`, `cloudwatch_resources`); `sam` (the SAM transform) and `checks` (cfn-lint).
"""

from __future__ import annotations

from localaws.cloudformation.checks import Finding, lint
from localaws.cloudformation.stacks import install

__all__ = ["Finding", "install", "lint"]
