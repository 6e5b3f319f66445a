"""StartExecution as Step Functions does it, for Standard and Express state machines, and what Express refuses.

moto's interpreter runs the execution on a thread of its own, in the background as on AWS; this start fills what
moto's leaves out: a generated name when none is given, the state machine's type (moto runs every one as
Standard), Express executions' own ARNs, and the sandbox's clock for the start date. Express executions keep no
history the API can read, so DescribeExecution, GetExecutionHistory and ListExecutions refuse them
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html); the sandbox still knows
how they ended (`registry.wait_for_execution`).
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.stepfunctions.exceptions import InvalidArn
from moto.stepfunctions.parser.api import InvalidDefinition, InvalidExecutionInput, StateMachineTypeNotSupported
from moto.stepfunctions.parser.asl.static_analyser.express_static_analyser import ExpressStaticAnalyser
from moto.stepfunctions.parser.backend.execution import Execution

from localaws import seams
from localaws.stepfunctions import clock_waits, registry, roles

EXPRESS = "EXPRESS"
PARSER_BACKEND = "moto.stepfunctions.parser.models:StepFunctionsParserBackend"
BASE_BACKEND = "moto.stepfunctions.models:StepFunctionBackend"
EXPRESS_REFUSED = "Invalid Arn: 'Resource type not valid in this context: express'"
NO_EXPRESS_LISTING = "This operation is not supported by EXPRESS state machines."


def is_express_arn(execution_arn: str) -> bool:
    """Whether an execution ARN names an Express execution (`...:express:<machine>:<name>:<id>`)."""
    return execution_arn.split(":")[5:6] == ["express"]


def _execution_arn(backend: Any, machine: Any, name: str) -> str:
    """The ARN AWS gives the execution: Standard `execution:<machine>:<name>`, Express with an id added."""
    base = f"arn:{backend.partition}:states:{backend.region_name}:{backend.account_id}"
    if machine.type == EXPRESS:
        return f"{base}:express:{machine.name}:{name}:{uuid.uuid4()}"
    return f"{base}:execution:{machine.name}:{name}"


def _input_text(execution_input: str | None) -> str:
    """The execution's input, which must be JSON (InvalidExecutionInput otherwise)."""
    text = "{}" if execution_input is None else execution_input
    try:
        json.loads(text)
    except ValueError as error:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{error}'") from None
    return text


def _snapshot(machine: Any) -> Any:
    """The state machine as this execution runs it (later updates do not change it), of its own type."""
    clone = copy.deepcopy(machine, {id(machine.executions): [], id(machine.backend): machine.backend})
    clone.sm_type = machine.type  # moto's model keeps the type in `type` and runs `sm_type`, always STANDARD
    return clone


def start_execution(self: Any, state_machine_arn: str, name: str | None = None,
                    execution_input: str | None = None, trace_header: str | None = None) -> Any:
    """StepFunctionsParserBackend.start_execution: start the execution in the background and return it."""
    machine = self.describe_state_machine(state_machine_arn)
    if name:
        self._validate_name(name)
        if machine.type != EXPRESS:  # Standard names are unique: the same name and input is the same execution
            existing = machine._handle_name_input_idempotency(name, execution_input)
            if existing is not None:
                return existing
    text = _input_text(execution_input)
    clone = _snapshot(machine)
    name = name or str(uuid.uuid4())
    execution = Execution(
        name=name, sm_type=machine.type, role_arn=clone.roleArn, exec_arn=_execution_arn(self, machine, name),
        account_id=self.account_id, region_name=self.region_name, state_machine=clone,
        start_date=datetime.fromtimestamp(clock_waits.clock().now(), tz=UTC), cloud_watch_logging_session=None,
        input_data=text, trace_header=trace_header, activity_store={})
    if machine.type != EXPRESS:
        machine.executions.append(execution)
    registry.track(execution)
    execution.start()
    return execution


def describe_execution(self: Any, execution_arn: str) -> Any:
    """StepFunctionBackend.describe_execution (GetExecutionHistory asks it too): Express ones refused."""
    if is_express_arn(execution_arn):
        raise InvalidArn(EXPRESS_REFUSED)
    return seams.original(f"{BASE_BACKEND}.describe_execution")(self, execution_arn)


def list_executions(self: Any, state_machine_arn: str, status_filter: str | None = None, **pages: Any) -> Any:
    """StepFunctionBackend.list_executions: Express state machines keep no list of executions."""
    if self.describe_state_machine(state_machine_arn).type == EXPRESS:
        raise StateMachineTypeNotSupported(NO_EXPRESS_LISTING)
    return seams.original(f"{BASE_BACKEND}.list_executions")(self, state_machine_arn, status_filter=status_filter,
                                                              **pages)


def create_state_machine(self: Any, *args: Any, **kwargs: Any) -> Any:
    """StepFunctionsParserBackend.create_state_machine: a role Step Functions can assume (localaws.stepfunctions.
    roles), and an Express definition may not use activities or `.sync`/`.waitForTaskToken` integrations, which only
    Standard workflows support."""
    roles.check_assumable(kwargs.get("roleArn", args[2] if len(args) > 2 else None), self.region_name)
    if kwargs.get("sm_type") == EXPRESS:
        try:
            ExpressStaticAnalyser().analyse(kwargs["definition"])
        except ValueError as error:
            raise InvalidDefinition(str(error)) from None
    return seams.original(f"{PARSER_BACKEND}.create_state_machine")(self, *args, **kwargs)


def update_state_machine(self: Any, arn: str, definition: Any = None, role_arn: str | None = None,
                         **changes: Any) -> Any:
    """StepFunctionsParserBackend.update_state_machine: a new role must be one Step Functions can assume."""
    roles.check_assumable(role_arn, self.region_name)
    return seams.original(f"{PARSER_BACKEND}.update_state_machine")(self, arn, definition, role_arn, **changes)


__all__ = ["create_state_machine", "describe_execution", "is_express_arn", "list_executions", "start_execution",
           "update_state_machine"]
