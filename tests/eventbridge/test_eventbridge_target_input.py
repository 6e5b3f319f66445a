"""The text a target receives, built the same way for every target type (no sandbox needed)."""

from __future__ import annotations

import json

from localaws.eventbridge.target_input import MISSING, as_delivered, render, select, target_text

EVENT = {"version": "0", "id": "e-1", "detail-type": "OrderPlaced", "source": "shop", "account": "123456789012",
         "time": 1772368205.0, "region": "us-east-1", "resources": [], "ingestion-time": 1772368206.0,
         "detail": {"note": 'say "hi"', "items": [{"sku": "A-1"}], "ok": True}}


class _Rule:
    arn, name = "arn:aws:events:us-east-1:123456789012:rule/orders", "orders"


def test_delivered_event_has_iso_time_and_no_internal_fields():
    delivered = as_delivered(EVENT)
    assert delivered["time"] == "2026-03-01T12:30:05Z"
    assert "ingestion-time" not in delivered
    assert list(delivered) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources",
                               "detail"]


def test_select_follows_keys_and_indexes():
    assert select(EVENT, "$") is EVENT
    assert select(EVENT, "$.detail.items[0].sku") == "A-1"
    assert select(EVENT, "$.detail-type") == "OrderPlaced"
    for absent in ("$.detail.items[3]", "$.detail.missing", "$.detail.ok.deeper", "detail"):
        assert select(EVENT, absent) is MISSING
    assert target_text({"InputPath": "$.detail.missing"}, EVENT) == "null"


def test_strings_are_escaped_inside_json_strings_and_plain_outside():
    transformer = {"InputPathsMap": {"note": "$.detail.note", "ok": "$.detail.ok", "gone": "$.detail.gone"},
                   "InputTemplate": '{"text": "<note>", "ok": <ok>, "gone": <gone>, "empty": "<gone>"}'}
    assert json.loads(render(transformer, EVENT)) == {"text": 'say "hi"', "ok": True, "gone": None, "empty": ""}
    plain = {"InputPathsMap": {"sku": "$.detail.items[0].sku"}, "InputTemplate": "item <sku> on <aws.events.rule-name>"}
    assert render(plain, EVENT, _Rule()) == "item A-1 on orders"


def test_predefined_variables():
    transformer = {"InputTemplate": '{"rule": "<aws.events.rule-arn>", "at": "<aws.events.event.ingestion-time>", '
                                    '"event": <aws.events.event.json>, "head": <aws.events.event>}'}
    rendered = json.loads(render(transformer, EVENT, _Rule()))
    assert rendered["rule"] == _Rule.arn and rendered["at"] == "2026-03-01T12:30:06Z"
    assert rendered["event"] == as_delivered(EVENT)
    assert "detail" not in rendered["head"] and rendered["head"]["id"] == "e-1"


def test_constant_input_is_passed_as_written():
    assert target_text({"Input": '{"time": "soon"}'}, EVENT) == '{"time": "soon"}'
    assert target_text({"Input": '{"time": "soon"}'}, EVENT, transform=False) == json.dumps(
        as_delivered(EVENT), separators=(",", ":"))
