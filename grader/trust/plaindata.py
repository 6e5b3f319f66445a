"""Values as they cross between the learner's process and the judge: plain JSON data, nothing that runs.

The learner's side encodes (`encode`, in the kernel, where anything may have been patched); the judge decodes
(`decode`, in the trusted grading process) with the standard library's own parser, so every value the judge
compares is of an exact builtin type: a dict that claims to equal everything, an int subclass equal to every
status code or a patched JSON decoder on the learner's side cannot reach it. Tuples, bytes, sets and floats
that JSON lacks (nan, infinity) travel tagged, and so do Decimals; the course's own records (dataclasses of
GradedCourse.plain_records) are rebuilt from their fields; a value one of the course's codecs accepts
(GradedCourse.plain_codecs) crosses as the JSON that codec makes of it and is rebuilt by the same codec; anything
else arrives as an opaque description no check accepts.
"""

from __future__ import annotations

import base64
import dataclasses
import decimal
import importlib
import json
import math
from functools import cache
from typing import Any, Protocol

from grader.course import load_callable, settings

TAG = "__plain_data__"
MAX_DEPTH = 64


@dataclasses.dataclass(frozen=True)
class Opaque:
    """A learner value that is not plain data (an object, a module, a generator): its type and a short repr."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


class Codec(Protocol):
    """How the course sends one kind of value that is not plain data: as a JSON-ready snapshot, rebuilt by the
    judge. `encode` runs on the learner's side; `decode` must accept only what `encode` makes."""

    name: str

    def accepts(self, value: Any) -> bool: ...

    def encode(self, value: Any) -> dict[str, Any]: ...

    def decode(self, data: dict[str, Any]) -> Any: ...


class NotPlainData(ValueError):
    """A value the judge was sent is deeper or larger than plain data can be."""


def _tagged(kind: str, value: Any) -> dict[str, Any]:
    return {TAG: kind, "value": value}


def _float(value: float) -> Any:
    return value if math.isfinite(value) else _tagged("float", repr(value))


def _record_name(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}:{kind.__qualname__}"


@dataclasses.dataclass(frozen=True)
class _Given:
    records: tuple[str, ...]
    codecs: tuple[str, ...]


_given: _Given | None = None  # set by a process handed the course's settings (the fork server)


def use_course(records: list[str], codecs: list[str]) -> None:
    """Take the record modules and codecs from settings this process was handed, so kernels forked from it need
    not look the installed course up again (an entry-point scan for every graded kernel)."""
    global _given
    _given = _Given(tuple(records), tuple(codecs))
    _codecs.cache_clear()


def record_modules() -> tuple[str, ...]:
    """Modules whose dataclasses are rebuilt on the judge's side from their fields (never from learner code): the
    course's own records (GradedCourse.plain_records); a trailing dot stands for every module under it."""
    return _given.records if _given is not None else _installed().records


@cache
def _installed() -> _Given:
    course = settings()
    return _Given(tuple(course.plain_records), tuple(course.plain_codecs))


@cache
def _codecs() -> dict[str, Codec]:
    """The course's codecs by name, built once per process."""
    specs = _given.codecs if _given is not None else _installed().codecs
    built = [load_callable(spec)() for spec in specs]
    return {codec.name: codec for codec in built}


def _is_record(name: str) -> bool:
    module = name.partition(":")[0]
    return any(module == prefix or (prefix.endswith(".") and module.startswith(prefix)) for prefix in record_modules())


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-ready form of `value` (run where the value lives: the learner's process)."""
    if depth > MAX_DEPTH:
        raise NotPlainData("the value is nested too deeply")
    if value is None or isinstance(value, bool):
        return bool(value) if value is not None else None
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        return _float(float.__float__(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes | bytearray):
        return _tagged("bytes", base64.b64encode(bytes(value)).decode())
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in dict.keys(value)):
            return {str.__str__(k): encode(v, depth + 1) for k, v in dict.items(value)}
        return _tagged("dict", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in dict.items(value)])
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in list.__iter__(value)]
    if isinstance(value, tuple):
        return _tagged("tuple", [encode(item, depth + 1) for item in tuple.__iter__(value)])
    if isinstance(value, set | frozenset):
        return _tagged("set", [encode(item, depth + 1) for item in value])
    if isinstance(value, decimal.Decimal):
        return _tagged("decimal", str(decimal.Decimal.__str__(value)))
    for codec in _codecs().values():
        if not isinstance(value, type) and codec.accepts(value):
            return _tagged("codec", {"name": codec.name, "data": encode(codec.encode(value), depth + 1)})
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and _is_record(_record_name(value)):
        fields = {f.name: encode(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
        return _tagged("record", {"type": _record_name(value), "fields": fields})
    return _tagged("opaque", {"type": type(value).__name__, "text": _short_repr(value)})


def _short_repr(value: Any) -> str:
    try:
        return repr(value)[:200]
    except Exception:  # a learner object whose repr raises: described by its type alone, harmlessly
        return "?"


def dumps(value: Any) -> str:
    """`value` as JSON text, ready to cross to the judge."""
    return json.dumps(encode(value), allow_nan=False)


def decode(data: Any) -> Any:
    """The judge's copy of an encoded value: exact builtin types, course records, or Opaque."""
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    if TAG not in data:
        return {key: decode(value) for key, value in data.items()}
    kind = data[TAG]
    value: Any = data.get("value")  # any JSON value: a forged one (None included) fails below, as it did
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "float":
        return float(value)
    if kind == "tuple":
        return tuple(decode(item) for item in value)
    if kind == "set":
        return {decode(item) for item in value}
    if kind == "dict":
        return {decode(key): decode(item) for key, item in value}
    if kind == "decimal":
        return decimal.Decimal(str(value))
    if kind == "codec":
        return _by_codec(str(value["name"]), decode(value["data"]))
    if kind == "record":
        return _record(value["type"], decode(value["fields"]))
    return Opaque(str(value.get("type", "?")), str(value.get("text", "")))


def _by_codec(name: str, data: Any) -> Any:
    """A value rebuilt by the course's codec of that name; a name no codec has, or data that is no dict, stays
    opaque."""
    codec = _codecs().get(name)
    if codec is None or not isinstance(data, dict):
        return Opaque("codec", name)
    return codec.decode(data)


def _record(type_name: str, fields: dict[str, Any]) -> Any:
    """One of the course's records, rebuilt on the judge's side from its fields (the class is the judge's own)."""
    module_name, _, qualname = type_name.partition(":")
    if not _is_record(type_name) or "." in qualname or not isinstance(fields, dict):
        return Opaque(type_name, "not a record the judge reads")

    kind = getattr(importlib.import_module(module_name), qualname, None)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        return Opaque(type_name, "not a record the judge reads")
    known = {f.name for f in dataclasses.fields(kind) if f.init}
    try:
        return kind(**{k: v for k, v in fields.items() if k in known})
    except TypeError:  # fields missing or of the wrong kind: the learner's value is not such a record
        return Opaque(type_name, "a record with missing fields")


def loads(text: str) -> Any:
    """Decode JSON text sent by the learner's side (standard-library parser, then `decode`)."""
    if not isinstance(text, str):
        raise NotPlainData(f"expected JSON text, got {type(text).__name__}")
    return decode(json.loads(text))
