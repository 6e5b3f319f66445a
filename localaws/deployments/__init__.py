"""Gradual deployments of Lambda aliases: canary and linear traffic shifting, stopped and rolled back by alarms.

    codedeploy.create_deployment(applicationName=..., deploymentGroupName=..., revision={"revisionType":
        "AppSpecContent", "appSpecContent": {"content": appspec}})   # shifts the alias on the sandbox clock
    sb.clock.advance(300)                                            # ... and the canary's next step happens

moto's CodeDeploy stores deployments without running them; `moto_patch` makes CreateDeployment of a Lambda
AppSpec run through `driver` (the steps of `configs`, the alarms, the rollback), and GetDeployment report it.
`appspec` reads and writes the AppSpec. A SAM stack update with DeploymentPreference goes the same way
(localaws.cloudformation.lambda_resources).
"""

from __future__ import annotations

from localaws.deployments.driver import Deployment, Record, Runner, install, runner

__all__ = ["Deployment", "Record", "Runner", "install", "runner"]
