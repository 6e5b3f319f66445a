"""Write the facts file's numbers into chapter prose, so no chapter types a limit or a price by hand."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from IPython.display import Markdown

from localaws.facts import Fact, fact


def number(value: float | int) -> str:
    """A number as people write it: thousands separators, no scientific notation, no trailing zeros."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    whole, _, fraction = format(Decimal(str(value)), "f").partition(".")
    return f"{int(whole):,}.{fraction.rstrip('0')}" if fraction.rstrip("0") else f"{int(whole):,}"


def money(value: float) -> str:
    """A price in dollars: at least two decimals, and every significant digit of a small unit price."""
    text = number(value)
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def duration(seconds: float) -> str:
    """Seconds in the largest whole unit that fits: '15 minutes', '6 hours', '10 s'."""
    for size, name in ((3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {name}{'s' if count != 1 else ''}"
    return f"{number(seconds)} s"


def day(value: date) -> str:
    """A date as people write it: '25 February 2026'."""
    return f"{value.day} {value:%B %Y}"


def with_unit(item: Fact) -> str:
    """A fact's value followed by its unit, with prices, percentages and dates written the usual way."""
    if isinstance(item.value, date):
        return day(item.value)
    if item.unit.startswith("USD"):
        return f"{money(item.value)}{item.unit[3:]}"
    if item.unit.startswith("%"):
        return f"{number(item.value)}{item.unit}"
    return f"{number(item.value)} {item.unit}"


def fmt(key: str, spec: str = "") -> str:
    """One fact as text: '' value and unit, 'n' bare number, '$' price, 'time' duration, 'src' source."""
    item = fact(key)
    if spec == "n":
        return number(item.value)
    if spec == "$":
        return money(item.value)
    if spec == "time":
        return duration(item.value / 1000 if item.unit == "ms" else item.value)
    if spec == "src":
        return f"{item.source}, as of {item.as_of}"
    if spec == "":
        return with_unit(item)
    raise ValueError(f"unknown fact format {spec!r}; use '', 'n', '$', 'time' or 'src'")


class _FactFormatter(string.Formatter):
    """A formatter whose fields are fact keys ('{timeout_max_s:time}') unless given as keyword arguments."""

    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        return kwargs[key] if key in kwargs else _Field(str(key))

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, _Field):
            return fmt(value.key, format_spec)
        return super().format_field(value, format_spec)


class _Field:
    def __init__(self, key: str) -> None:
        self.key = key


def say(template: str, **values: Any) -> str:
    """Fill a template whose fields name facts (or given values), e.g. 'up to {timeout_max_s:time}'."""
    return _FactFormatter().format(template, **values)


def md(template: str, **values: Any) -> Markdown:
    """The filled template as Markdown, for a chapter cell whose prose contains numbers."""
    return Markdown(say(template, **values))
