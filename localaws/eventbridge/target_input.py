"""What an EventBridge target receives: the event as the service sends it, or its Input, InputPath or transform.

Every target type (Lambda, SQS, SNS, log groups) gets the same text from `target_text`, so a rule behaves the
same whatever it delivers to:

- no input setting: the whole event, with `time` as ISO 8601 text and none of moto's internal fields;
- `Input`: that constant JSON text, as given;
- `InputPath`: the JSON value the path selects (`$`, `$.detail`, `$.detail.items[0]`);
- `InputTransformer`: the template with each `<variable>` filled in. A string value is inserted as its text
  (escaped when the placeholder sits inside a JSON string); any other value as compact JSON. A variable whose
  path selects nothing renders as `null` (or as nothing inside a JSON string).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")
_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
MISSING = object()


def iso_time(moment: Any) -> Any:
    """moto keeps times as epoch seconds; the service writes them as ISO 8601 text such as 2026-01-01T00:00:00Z."""
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        return datetime.fromtimestamp(float(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment


def as_delivered(event: dict[str, Any]) -> dict[str, Any]:
    """The event as a target sees it: the service's fields in its order, time as ISO text."""
    delivered = {key: event[key] for key in EVENT_FIELDS if key in event}
    delivered.update({key: v for key, v in event.items() if key not in EVENT_FIELDS and key != "ingestion-time"})
    if "time" in delivered:
        delivered["time"] = iso_time(delivered["time"])
    return delivered


def compact(value: Any) -> str:
    """JSON as EventBridge writes it: no spaces between tokens."""
    return json.dumps(value, separators=(",", ":"))


def select(value: Any, path: str) -> Any:
    """The value a JSONPath of the form EventBridge accepts selects (`$`, `$.a.b`, `$.a[0].b`); MISSING if none."""
    rest = path.strip()
    if not rest.startswith("$"):
        return MISSING
    rest = rest[1:]
    while rest:
        step = _PART.match(rest)
        if step is None:
            return MISSING
        key, index = step.groups()
        if key is not None and isinstance(value, dict) and key in value:
            value = value[key]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return MISSING
        rest = rest[step.end():]
    return value


def _variables(transformer: dict[str, Any], event: dict[str, Any], rule: Any) -> dict[str, Any]:
    delivered = as_delivered(event)
    values = {name: select(delivered, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
    values["aws.events.rule-arn"] = getattr(rule, "arn", "")
    values["aws.events.rule-name"] = getattr(rule, "name", "")
    values["aws.events.event.ingestion-time"] = iso_time(event.get("ingestion-time", event.get("time")))
    values["aws.events.event"] = {key: v for key, v in delivered.items() if key != "detail"}
    values["aws.events.event.json"] = delivered
    return values


def _inside_string(template: str, position: int) -> bool:
    """Whether `position` falls inside a double-quoted JSON string of the template."""
    inside, escaped = False, False
    for char in template[:position]:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    return inside


def _fill(value: Any, in_string: bool) -> str:
    if value is MISSING:
        return "" if in_string else "null"
    if isinstance(value, str):
        return json.dumps(value)[1:-1] if in_string else value
    return compact(value)  # objects are not escaped, even inside a string, as the service documents


def render(transformer: dict[str, Any], event: dict[str, Any], rule: Any = None) -> str:
    """The InputTemplate with its placeholders filled from the event (unknown placeholders are left as written)."""
    template = transformer.get("InputTemplate") or ""
    values = _variables(transformer, event, rule)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return _fill(values[name], _inside_string(template, match.start()))

    return _PLACEHOLDER.sub(replace, template)


def target_text(target: dict[str, Any], event: dict[str, Any], rule: Any = None, transform: bool = True) -> str:
    """The text EventBridge sends this target for this event (a message body, a function's payload)."""
    if transform and "Input" in target:
        return str(target["Input"])
    if transform and "InputPath" in target:
        selected = select(as_delivered(event), target["InputPath"])
        return compact(None if selected is MISSING else selected)
    if transform and "InputTransformer" in target:
        return render(target["InputTransformer"], event, rule)
    return compact(as_delivered(event))
