"""`.waitForTaskToken` tasks take a callback that arrives before they start waiting for it.

A fast handler often calls SendTaskSuccess while its own invocation is still returning, before the task waits
for the token; moto's heartbeat wait then looks only for heartbeats and times the task out, although the result
is already there. Step Functions accepts such a callback
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimedOut


def wait_for_task_token_heartbeat(self: Any, env: Any, callback_endpoint: Any, heartbeat_endpoint: Any) -> Any:
    """StateTaskServiceCallback._wait_for_task_token_heartbeat: an outcome already received ends the wait at once."""
    outcome = callback_endpoint.get_outcome()
    while env.is_running() and outcome is None:
        received = heartbeat_endpoint.clear_and_wait()
        if not received and env.is_running():  # no heartbeat within HeartbeatSeconds
            outcome = HeartbeatTimedOut()
        else:
            outcome = callback_endpoint.get_outcome()
    return outcome


__all__ = ["wait_for_task_token_heartbeat"]
