"""A Choice state that matches no rule and has no Default fails with States.NoChoiceMatched, as AWS names it.

moto's interpreter raises a bare RuntimeError there, which ends the execution as States.Runtime
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html lists the error names).
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.api import HistoryEventType
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType

NO_CHOICE = "States.NoChoiceMatched"


def no_choice_matched(env: Any, state_name: str) -> FailureEventException:
    """The failure a Choice state without a matching rule or Default raises."""
    details = {"error": NO_CHOICE, "cause": f"No Choice Rule matched the input of state '{state_name}', "
                                            "and it has no Default state."}
    event_details: Any = {"executionFailedEventDetails": details}  # moto's EventDetails, a TypedDict
    return FailureEventException(FailureEvent(
        env=env, error_name=StatesErrorName(typ=StatesErrorNameType.StatesNoChoiceMatched),
        event_type=HistoryEventType.ExecutionFailed, event_details=event_details))


def eval_choice(self: Any, env: Any) -> None:
    """StateChoice._eval_state: the first rule that matches names the next state, else Default, else the error."""
    for rule in self.choices_decl.rules:
        rule.eval(env)
        if env.stack.pop() is True:
            if not rule.next_stmt:
                raise RuntimeError(f"Missing Next definition for state_choice rule '{rule}' in choices '{self}'.")
            env.stack.append(rule.next_stmt.name)
            return
    if self.default_state is None:
        raise no_choice_matched(env, self.name)
    env.stack.append(self.default_state.state_name)


__all__ = ["NO_CHOICE", "eval_choice", "no_choice_matched"]
