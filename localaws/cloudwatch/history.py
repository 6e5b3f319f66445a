"""Alarm history, as DescribeAlarmHistory returns it: configuration updates, state updates and actions.

moto keeps no readable history, so the sandbox keeps it here, per account and region, with timestamps on the
sandbox clock. The items have the fields of AlarmHistoryItem
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

CONFIGURATION, STATE, ACTION = "ConfigurationUpdate", "StateUpdate", "Action"

_items: dict[tuple[str, str], list[dict[str, Any]]] = {}
_lock = threading.Lock()


def add(account: str, region: str, alarm: str, kind: str, summary: str, data: str, when: float) -> None:
    """Record one history item of a metric alarm."""
    item = {"AlarmName": alarm, "AlarmType": "MetricAlarm", "Timestamp": datetime.fromtimestamp(when, UTC),
            "HistoryItemType": kind, "HistorySummary": summary, "HistoryData": data}
    with _lock:
        _items.setdefault((account, region), []).append(item)


def items(account: str, region: str, alarm: str | None = None, kind: str | None = None,
          start: datetime | None = None, end: datetime | None = None, newest_first: bool = True) -> list[dict]:
    """The history items that match, newest first unless asked otherwise."""
    with _lock:
        found = list(_items.get((account, region), []))
    selected = [item for item in found if alarm in (None, item["AlarmName"]) and kind in (None, item["HistoryItemType"])
                and (start is None or item["Timestamp"] >= _aware(start))
                and (end is None or item["Timestamp"] <= _aware(end))]
    return list(reversed(selected)) if newest_first else selected


def _aware(moment: datetime) -> datetime:
    """A request's time as an aware UTC datetime (moto hands them over naive, in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clear() -> None:
    """Forget all history (the sandbox is being reset)."""
    with _lock:
        _items.clear()
