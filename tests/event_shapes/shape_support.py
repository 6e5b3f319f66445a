"""One comparison for every trigger: an event the sandbox delivered against AWS's documented example of it.

`differences(actual, documented, ...)` walks both JSON values together and lists every place they part:

- an object's keys: a key the example has and the event lacks, or the other way round;
- types: string, integer, float, boolean, null, object, array (an integer is not a float, a boolean not a number);
- formats: where the example's string has a recognisable form (an ISO-8601 time with milliseconds and "Z", a
  request time such as 04/Mar/2020:19:15:17 +0000, a UUID, epoch milliseconds as text, an MD5 digest, an ARN of
  a given service, an account id, a Region, an https URL...), the event's string must have the same form, and an
  integer of epoch milliseconds must be one too;
- arrays: every element of the event's array against the example's first element.

What the documentation shows only sometimes is named by path (`Records[].s3.object.versionId`,
`requestContext.authorizer`, `headers.*` for every value of a map):

- `optional`: documented, but present only when a feature is in use; the event may leave it out;
- `extra`: not in the example, but documented elsewhere; the event may carry it;
- `nullable`: null in one and a value in the other is fine (a REST event's `pathParameters`);
- `maps`: objects whose keys are data (headers, attributes, stage variables): keys are free, values compared;
- `any_text`: strings whose value is the caller's data (a key, a body), so their form is not compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCUMENTED = Path(__file__).parent / "documented"


@dataclass(frozen=True)
class Form:
    """A recognisable form of a string: its name and a pattern that recognises it."""

    name: str
    pattern: str

    def fits(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None


FORMS = (
    Form("an ISO-8601 UTC time with milliseconds", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
    Form("an ISO-8601 UTC time to the second", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    Form("a request time such as 04/Mar/2020:19:15:17 +0000", r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000"),
    Form("a UUID", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    Form("epoch milliseconds as text", r"\d{13}"),
    Form("a twelve-digit account id", r"\d{12}"),
    Form("an MD5 digest in hexadecimal", r"[0-9a-f]{32}"),
    Form("upper-case hexadecimal", r"[0-9A-F]{16,}"),
    Form("a Region", r"[a-z]{2}(-[a-z]+)+-\d"),
    Form("an https URL", r"https://\S+"),
    Form("a version number", r"\d+\.\d+"),
)
EPOCH_MILLIS = range(10**12, 10**13)


def form_of(value: str) -> Form | None:
    """The form a documented string has, if it has one we know; an ARN's form names its service."""
    if arn := re.match(r"arn:(aws[a-z-]*):([a-z0-9-]+):", value):
        return Form(f"an ARN of {arn.group(2)}", rf"arn:aws[a-z-]*:{re.escape(arn.group(2))}:\S*")
    return next((form for form in FORMS if form.fits(value)), None)


def _kind(value: Any) -> str:
    for kind, types in (("null", type(None)), ("boolean", bool), ("integer", int), ("float", float),
                        ("string", str), ("object", dict), ("array", list)):
        if isinstance(value, types):
            return kind
    return type(value).__name__


@dataclass(frozen=True)
class Allowances:
    """The documented variations of one event, by path (see the module's docstring)."""

    optional: frozenset[str] = frozenset()
    extra: frozenset[str] = frozenset()
    nullable: frozenset[str] = frozenset()
    maps: frozenset[str] = frozenset()
    any_text: frozenset[str] = frozenset()


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Walk:
    """Compares two JSON values, collecting differences."""

    def __init__(self, allow: Allowances) -> None:
        self.allow = allow
        self.found: list[str] = []

    def value(self, actual: Any, documented: Any, path: str) -> None:
        if (actual is None or documented is None) and path in self.allow.nullable:
            return
        if _kind(actual) != _kind(documented):
            self.found.append(f"{path or '(top)'}: {_kind(actual)} {actual!r:.80}, documented as {_kind(documented)}")
        elif isinstance(documented, dict):
            self._object(actual, documented, path)
        elif isinstance(documented, list):
            for item in actual if documented else []:
                self.value(item, documented[0], f"{path}[]")
        elif isinstance(documented, str):
            self._text(actual, documented, path)
        elif isinstance(documented, int) and not isinstance(documented, bool) and documented in EPOCH_MILLIS:
            if actual not in EPOCH_MILLIS:
                self.found.append(f"{path}: {actual!r} is not epoch milliseconds")

    def _text(self, actual: str, documented: str, path: str) -> None:
        form = form_of(documented)
        if path not in self.allow.any_text and form is not None and not form.fits(actual):
            self.found.append(f"{path}: {actual!r:.80} is not {form.name} (documented: {documented!r:.60})")

    def _object(self, actual: dict[str, Any], documented: dict[str, Any], path: str) -> None:
        if path in self.allow.maps:
            sample = next(iter(documented.values()), None)
            for item in actual.values() if sample is not None else ():
                self.value(item, sample, _join(path, "*"))
            return
        for key in documented.keys() - actual.keys():
            if _join(path, key) not in self.allow.optional:
                self.found.append(f"{_join(path, key)}: missing")
        for key in actual.keys() - documented.keys():
            if _join(path, key) not in self.allow.extra:
                self.found.append(f"{_join(path, key)}: not in the documented event")
        for key in actual.keys() & documented.keys():
            self.value(actual[key], documented[key], _join(path, key))


def differences(actual: Any, documented: Any, allow: Allowances = Allowances()) -> list[str]:
    """Every place where `actual` differs from `documented` in keys, types or formats, as readable lines."""
    walk = _Walk(allow)
    walk.value(actual, documented, "")
    return sorted(walk.found)


def documented(name: str) -> Any:
    """The documented example event stored as `documented/<name>.json`."""
    return json.loads((DOCUMENTED / f"{name}.json").read_text())


def assert_documented_shape(actual: Any, name: str, allow: Allowances = Allowances()) -> None:
    """Fail, listing every difference, unless `actual` has the shape of the documented example `name`."""
    found = differences(actual, documented(name), allow)
    assert not found, f"the event differs from the documented {name} event:\n  " + "\n  ".join(found)
