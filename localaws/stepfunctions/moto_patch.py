"""Putting Step Functions' seams in place (each declared in localaws.seams), at the service's first call."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils import (
    LambdaFunctionErrorException,
)
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from localaws import seams
from localaws.runtime.clock import Clock
from localaws.stepfunctions import callbacks, choice, clock_waits, executions, history, lambda_tasks, task_timeouts

SFN = "moto.stepfunctions"
ASL = f"{SFN}.parser.asl.component"
TASK = f"{ASL}.state.exec.state_task"
PARSER_BACKEND = executions.PARSER_BACKEND


def parser_backend(account: str, region: str) -> Any:
    """moto.stepfunctions.responses.get_backend: always the backend that executes state machines."""
    return stepfunctions_parser_backends[account][region]


def _named(target: str) -> Any:
    """A Lambda task's `_from_error`, wrapped to name errors as Step Functions does."""
    return lambda_tasks.naming(seams.original(target), LambdaFunctionErrorException, CustomErrorName)


def install(clock: Clock, endpoint_url: str) -> None:
    """Make moto execute state machines, with Lambda tasks run by this sandbox and waits on its clock."""
    clock_waits.use_clock(clock)
    seams.patch(f"{SFN}.responses:get_backend", parser_backend)
    seams.patch(f"{TASK}.lambda_eval_utils:boto_client_for", lambda_tasks.client_factory(endpoint_url))
    for target in (f"{TASK}.state_task_lambda:StateTaskLambda._from_error",
                   f"{TASK}.service.state_task_service_lambda:StateTaskServiceLambda._from_error"):
        seams.patch(target, _named(target))
    seams.patch(f"{ASL}.state.wait.wait_function.wait_function:WaitFunction._wait_interval", clock_waits.wait_interval)
    seams.patch(f"{ASL}.state.wait.wait_function.timestamp:Timestamp._get_wait_seconds",
                clock_waits.timestamp_wait_seconds)
    seams.patch(f"{ASL}.common.retry.retrier_decl:RetrierDecl._eval_body", clock_waits.retrier_eval_body)
    seams.patch(f"{SFN}.parser.asl.eval.event.event_manager:EventManager._get_current_timestamp",
                staticmethod(clock_waits.current_timestamp))
    seams.patch(f"{ASL}.program.program:Program.eval", clock_waits.program_eval)
    seams.patch(f"{ASL}.state.choice.state_choice:StateChoice._eval_state", choice.eval_choice)
    seams.patch(f"{TASK}.service.state_task_service_callback:StateTaskServiceCallback._wait_for_task_token_heartbeat",
                callbacks.wait_for_task_token_heartbeat)
    seams.patch(f"{SFN}.parser.asl.eval.callback.callback:HeartbeatEndpoint.clear_and_wait",
                task_timeouts.heartbeat_clear_and_wait)
    seams.patch(f"{PARSER_BACKEND}.start_execution", executions.start_execution)
    seams.patch(f"{SFN}.responses:StepFunctionResponse.get_execution_history", history.get_execution_history)
    seams.patch(f"{executions.BASE_BACKEND}.describe_execution", executions.describe_execution)
    seams.patch(f"{executions.BASE_BACKEND}.list_executions", executions.list_executions)
    seams.patch(f"{PARSER_BACKEND}.create_state_machine", executions.create_state_machine)
    seams.patch(f"{PARSER_BACKEND}.update_state_machine", executions.update_state_machine)


def install_for(sandbox: Any) -> None:
    """Install for the running sandbox; refuse (rather than let moto pretend) when there is none."""
    if sandbox is None or not hasattr(sandbox, "clock"):
        raise RuntimeError("Step Functions executions run only in a started sandbox (sandbox.start()); "
                           "start one, then call Step Functions through it.")
    install(sandbox.clock, sandbox.endpoint_url)
    # moto's interpreter logs every failed state at ERROR level, which a notebook shows as red lines for failures
    # that are the lesson (a Catch, a retry); describe_execution and the execution history report the same.
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    # moto warns that AccessDeniedException is not among the errors botocore's model of Step Functions lists; AWS
    # answers it all the same (localaws.stepfunctions.roles), so the warning would only puzzle a reader.
    warnings.filterwarnings("ignore", message=r"Exception\(StepFunctionsAccessDenied\)", category=UserWarning)


__all__ = ["install", "install_for", "parser_backend"]
