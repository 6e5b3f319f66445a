"""The published engine with the one thing it leaves to the service: execution ARNs of the form Lambda gives them.

The model names an execution with two UUIDs; Lambda's API reference gives the form
`arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>/durable-execution/<execution name>/<id>`
(Lambda API Reference, "Execution": https://docs.aws.amazon.com/lambda/latest/api/API_Execution.html), which is
what the sandbox hands out, so that code parsing an ARN works the same here.
"""

from __future__ import annotations

import dataclasses
import uuid

from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput


def execution_arn(region: str, start: StartDurableExecutionInput) -> str:
    """The ARN Lambda gives an execution of `start`'s function, name and invocation."""
    return (f"arn:aws:lambda:{region}:{start.account_id}:function:{start.function_name}:"
            f"{start.function_qualifier or '$LATEST'}/durable-execution/{start.execution_name}/{start.invocation_id}")


class SandboxExecutor(Executor):
    """The model's Executor, creating executions under Lambda's ARNs (everything else is the model's own)."""

    def _create_execution(self, input: StartDurableExecutionInput,  # noqa: A002 - the overridden method's name
                          parent_execution_arn: str | None = None) -> Execution:
        """Create and store a new execution without launching it, as the model does, under Lambda's ARN."""
        if input.invocation_id is None:
            input = dataclasses.replace(input, invocation_id=str(uuid.uuid4()))  # noqa: A001
        execution = Execution(durable_execution_arn=execution_arn(self.region, input), start_input=input,
                              operations=[])
        execution.region = self.region
        execution.parent_execution_arn = parent_execution_arn
        execution.start(now=self._clock.now())
        self._store.save(execution)
        return execution
