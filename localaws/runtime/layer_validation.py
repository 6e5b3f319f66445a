"""What PublishLayerVersion refuses before a layer version is stored, in the words of Lambda's API.

The members botocore's model of Lambda bounds first, as one ValidationException listing every violation:
LayerName (length and pattern), Description (length), CompatibleRuntimes (at most 15, each one of the API's
runtimes) and CompatibleArchitectures (at most 2, each x86_64 or arm64). Then the content: a zip that is empty
or is not a zip at all is an InvalidParameterValueException. The ranges, patterns and enums are read from the
model, not written down here. moto 5.2 checks none of this; `install()` puts the checks in front of its backend,
so that a refused request changes nothing.
https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import re
import zipfile
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from localaws import seams
from localaws.credentials import service_model
from localaws.runtime.refusal import Refusal, field_name, validation_refusal

PUBLISH = "moto.awslambda.models:LambdaBackend.publish_layer_version"
_STRINGS = ("LayerName", "Description")
_LISTS = ("CompatibleRuntimes", "CompatibleArchitectures")
EMPTY_ZIP = "Uploaded file must be a non-empty zip"
NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."


def _member(name: str) -> Any:
    """The shape of one PublishLayerVersion request member, from botocore's model."""
    return service_model("lambda").operation_model("PublishLayerVersion").input_shape.members[name]


def _listed(items: list[Any]) -> str:
    """A list as Lambda prints it in a ValidationException: [a, b]."""
    return "[" + ", ".join(str(item) for item in items) + "]"


def _string_violation(member: str, found: Any) -> str | None:
    """A string member longer than its limit or not matching its pattern, or None."""
    if not isinstance(found, str):
        return None
    shape = _member(member)
    low, high, pattern = shape.metadata.get("min", 0), shape.metadata.get("max"), shape.metadata.get("pattern")
    where = f"Value '{found}' at '{field_name(member)}' failed to satisfy constraint: Member must"
    if high is not None and len(found) > high:
        return f"{where} have length less than or equal to {high}"
    if len(found) < low:
        return f"{where} have length greater than or equal to {low}"
    if pattern and re.fullmatch(pattern, found) is None:
        return f"{where} satisfy regular expression pattern: {pattern}"
    return None


def _list_violation(member: str, found: Any) -> str | None:
    """A list member with too many items, or an item outside the API's enum, or None."""
    if not isinstance(found, list):
        return None
    shape = _member(member)
    where = f"Value '{_listed(found)}' at '{field_name(member)}' failed to satisfy constraint: Member must"
    if len(found) > shape.metadata["max"]:
        return f"{where} have length less than or equal to {shape.metadata['max']}"
    allowed = shape.member.enum
    if any(item not in allowed for item in found):
        return f"{where} satisfy constraint: [Member must satisfy enum value set: {_listed(allowed)}]"
    return None


def bounds_refusal(spec: Mapping[str, Any]) -> Refusal | None:
    """Every member outside the API model's constraints, in one ValidationException, or None."""
    found = [text for member in _STRINGS if (text := _string_violation(member, spec.get(member)))]
    found += [text for member in _LISTS if (text := _list_violation(member, spec.get(member)))]
    return validation_refusal(found)


def content_refusal(content: Any) -> Refusal | None:
    """A layer's Content with no code in it: no zip and no S3 object, an empty zip, or bytes that are no zip."""
    content = content if isinstance(content, Mapping) else {}
    if "ZipFile" not in content:
        has_object = bool(content.get("S3Bucket")) and bool(content.get("S3Key"))
        return None if has_object else Refusal("InvalidParameterValueException", EMPTY_ZIP)
    try:
        data = base64.b64decode(content["ZipFile"] or b"", validate=True)
    except (binascii.Error, TypeError, ValueError):  # not base64: nothing Lambda could unzip
        return Refusal("InvalidParameterValueException", NOT_A_ZIP)
    if not data:
        return Refusal("InvalidParameterValueException", EMPTY_ZIP)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return Refusal("InvalidParameterValueException", NOT_A_ZIP)
    return None


def layer_refusal(spec: Mapping[str, Any]) -> Refusal | None:
    """What Lambda answers to a PublishLayerVersion body it refuses, or None."""
    named = {**spec, "LayerName": unquote(str(spec.get("LayerName", "")))}
    return bounds_refusal(named) or content_refusal(spec.get("Content"))


def _publish(self: Any, spec: dict[str, Any]) -> Any:
    """PublishLayerVersion, after Lambda's checks: a refused request raises moto's Lambda error (HTTP 400)."""
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time

    refusal = layer_refusal(spec)
    if refusal is not None:
        raise LambdaClientError(refusal.code, refusal.message)
    return seams.original(PUBLISH)(self, spec)


def install() -> None:
    """Check PublishLayerVersion's values before moto stores the layer version (idempotent)."""
    if not seams.is_patched(PUBLISH):
        seams.patch(PUBLISH, functools.wraps(seams.original(PUBLISH))(_publish))


__all__ = ["EMPTY_ZIP", "NOT_A_ZIP", "PUBLISH", "bounds_refusal", "content_refusal", "install", "layer_refusal"]
