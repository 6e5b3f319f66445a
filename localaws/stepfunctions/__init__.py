"""Step Functions executions that really run: moto's interpreter, Lambda tasks run by the sandbox's runtime.

    sfn = boto3.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]   # runs in the background
    result = sb.wait_for_execution(arn)     # status, output, error and cause once it has finished
    sb.clock.advance(3600)                  # a Wait of an hour, or a retry an hour away, happens now

The patches go in at the service's first call (`install`, from the sandbox); `registry` holds the executions
started since the last reset.
"""

from __future__ import annotations

from localaws.stepfunctions.registry import ExecutionResult, ExecutionStillRunning, stop_all, wait_for_execution

__all__ = ["ExecutionResult", "ExecutionStillRunning", "stop_all", "wait_for_execution"]
