"""Delivery of matched events to Lambda and SNS targets, and target input (Input, InputPath), for moto 5.2.

moto's `Rule.send_to_targets` delivers to SQS, log groups, archives and other buses, but raises
NotImplementedError for a Lambda or SNS target and ignores a target's `Input` and `InputPath`. We wrap that one
method: Lambda targets are invoked asynchronously, as EventBridge does, through the sandbox's runtime; SNS
targets are published to; everything else goes on to moto's own code.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import moto
from moto.events import models as moto_models
from moto.utilities.arns import parse_arn

SUPPORTED_MOTO = "5.2."
_original: dict[str, Any] = {}


def _iso_time(event: dict[str, Any]) -> dict[str, Any]:
    """moto keeps `time` as a number internally; targets see the ISO 8601 text the service sends."""
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp

    event = dict(event)
    if isinstance(event.get("time"), int | float):
        event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(float(event["time"])))
    return event


def _select(event: Any, path: str) -> Any:
    """A JSONPath of the simple form EventBridge's InputPath accepts: `$`, `$.detail`, `$.detail.items`."""
    if path in ("$", ""):
        return event
    value = event
    for part in path.removeprefix("$.").split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What a target receives: constant Input, the part InputPath selects, a transformed template, or the event."""
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return _select(_iso_time(event), target["InputPath"])
    if "InputTransformer" in target:
        transformer = target["InputTransformer"]
        rendered = moto_models.EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=_iso_time(event),
        )
        return rendered
    return _iso_time(event)


def _invoke_lambda(arn: str, payload: Any, rule_arn: str = "") -> None:
    from moto.awslambda.models import lambda_backends

    from grader.iam.sandbox.triggers import invoke_allowed
    from grader.runtime import moto_seam

    parts = parse_arn(arn)
    fn = lambda_backends[parts.account][parts.region].get_function(arn)
    if not invoke_allowed(fn, "events.amazonaws.com", rule_arn, parts.account):
        return
    if moto_seam._runtime is not None:
        moto_seam._runtime.invoke_async(fn, json.dumps(payload).encode(), arn)


def _publish_sns(arn: str, payload: Any) -> None:
    from moto.sns.models import sns_backends

    parts = parse_arn(arn)
    message = payload if isinstance(payload, str) else json.dumps(payload)
    sns_backends[parts.account][parts.region].publish(message=message, arn=arn)


def _send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
    if not self.event_pattern.matches_event(original_event):
        return
    for target in self.targets:
        service = parse_arn(target["Arn"]).service
        if service in ("lambda", "sns"):
            payload = target_input(target, original_event) if transform_input else _iso_time(original_event)
            if service == "lambda":
                _invoke_lambda(target["Arn"], payload, self.arn)
            else:
                _publish_sns(target["Arn"], payload)
        elif transform_input and ("Input" in target or "InputPath" in target):
            group = target.get("SqsParameters", {}).get("MessageGroupId")
            if service == "sqs":
                self._send_to_sqs_queue(parse_arn(target["Arn"]).resource_id, target_input(target, original_event),
                                        group)
        else:
            single = copy.copy(self)
            single.targets = [target]
            _original["send_to_targets"](single, original_event, transform_input)


def install() -> None:
    """Wrap moto's Rule.send_to_targets (idempotent; refuses a moto it was not written for)."""
    if _original:
        return
    if not moto.__version__.startswith(SUPPORTED_MOTO) or not hasattr(moto_models.Rule, "send_to_targets"):
        raise RuntimeError(f"grader.eventbridge.delivery patches moto {SUPPORTED_MOTO}x's Rule.send_to_targets; "
                           f"found moto {moto.__version__}")
    _original["send_to_targets"] = moto_models.Rule.send_to_targets
    moto_models.Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
