"""Weighted aliases: an alias whose RoutingConfig names a second version splits its invocations between the two.

CreateAlias and UpdateAlias take `RoutingConfig.AdditionalVersionWeights`, a map of one more published version to
the share of invocations it gets; the alias's own version gets the rest. Lambda picks the version per invocation
at random, in proportion to the weights, and tells the caller which one ran (Invoke's X-Amz-Executed-Version);
the function sees that version too (the START line of its log, `context.function_version`,
AWS_LAMBDA_FUNCTION_VERSION), while `context.invoked_function_arn` keeps the alias. moto stores the routing but
neither checks it nor acts on it. Here `install()` puts Lambda's checks in front of moto's CreateAlias and
UpdateAlias (declared in localaws.seams), and the sandbox's Invoke (localaws.runtime.moto_seam) asks `routed()`
which version an invocation runs.

What a routing configuration must satisfy, checked in the order Lambda reports the first problem: at most one
additional version (the alias points to two versions at most); a weight from 0.0 to 1.0 (the bounds of botocore's
model of the API); a version other than the alias's own; an alias on a published version, not $LATEST; a version
number for the key; and a version that exists. The routing guide also asks both versions to share one execution
role and one dead-letter queue configuration; the sandbox does not check those.

https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html
https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping
from typing import Any

from localaws import seams
from localaws.credentials import service_model
from localaws.facts import value
from localaws.runtime.refusal import Refusal

CREATE = "moto.awslambda.models:LambdaBackend.create_alias"
UPDATE = "moto.awslambda.models:LambdaBackend.update_alias"
LATEST = "$LATEST"
INVALID = "InvalidParameterValueException"
_MEMBER = "routingConfig.additionalVersionWeights"
_chooser = random.Random()


def use_random(chooser: random.Random) -> random.Random:
    """Draw the routing choices from `chooser` (a seeded Random makes them repeatable); returns the previous one."""
    global _chooser
    previous, _chooser = _chooser, chooser
    return previous


def weights(routing_config: Any) -> dict[str, Any]:
    """The additional versions and their weights in a RoutingConfig as the API takes it (empty when none)."""
    if not isinstance(routing_config, Mapping):
        return {}
    found = routing_config.get("AdditionalVersionWeights")
    return dict(found) if isinstance(found, Mapping) else {}


@functools.cache
def _model() -> dict[str, Any]:
    """The bounds of a weight and of a version key, and the key's pattern, from botocore's model of Lambda's API."""
    shape = service_model("lambda").shape_for("AliasRoutingConfiguration").members["AdditionalVersionWeights"]
    weight, key = shape.value.metadata, shape.key.metadata
    return {"low": float(weight["min"]), "high": float(weight["max"]), "key_min": key["min"], "key_max": key["max"],
            "pattern": key["pattern"]}


def _is_number(weight: Any) -> bool:
    return isinstance(weight, int | float) and not isinstance(weight, bool)


def _invalid_entry(version: str, weight: Any, constraint: str) -> Refusal:
    """A map entry that breaks the API model, quoted as Lambda's ValidationException quotes it: `{2=0.5}`."""
    shown = float(weight) if _is_number(weight) else weight
    return Refusal("ValidationException", f"1 validation error detected: Value '{{{version}={shown}}}' at "
                   f"'{_MEMBER}' failed to satisfy constraint: {constraint}")


def _weight_refusal(primary: str, version: str, weight: Any) -> Refusal | None:
    """A weight outside the model's bounds."""
    model = _model()
    if _is_number(weight) and model["low"] <= weight <= model["high"]:
        return None
    return _invalid_entry(version, weight, "Map value must satisfy constraint: [Member must have value less than "
                          f"or equal to {model['high']}, Member must have value greater than or equal to "
                          f"{model['low']}, Member must not be null]")


def _same_refusal(primary: str, version: str, weight: Any) -> Refusal | None:
    """The alias's own version named again as the additional one."""
    if version != primary:
        return None
    return Refusal(INVALID, f"Invalid function version {primary}. Function version {primary} is already included "
                            "in routing configuration.")


def _latest_refusal(primary: str, version: str, weight: Any) -> Refusal | None:
    """An alias on $LATEST, which cannot point to a second version."""
    if primary != LATEST:
        return None
    return Refusal(INVALID, f"{LATEST} is not supported for an alias pointing to more than 1 version")


def _key_refusal(primary: str, version: str, weight: Any) -> Refusal | None:
    """A key that is not a version number."""
    model = _model()
    if re.fullmatch(model["pattern"], version) and model["key_min"] <= len(version) <= model["key_max"]:
        return None
    return _invalid_entry(version, weight, "Map keys must satisfy constraint: [Member must have length less than "
                          f"or equal to {model['key_max']}, Member must have length greater than or equal to "
                          f"{model['key_min']}, Member must satisfy regular expression pattern: {model['pattern']}, "
                          "Member must not be null]")


_ENTRY_CHECKS = (_weight_refusal, _same_refusal, _latest_refusal, _key_refusal)  # in the order Lambda reports


def routing_refusal(primary: str, routing_config: Any) -> Refusal | None:
    """What Lambda answers to an alias on `primary` with this routing, or None; the version's existence aside."""
    additional = weights(routing_config)
    most = value("alias_versions_max") - 1  # the alias's own version is one of them
    if len(additional) > most:
        return Refusal(INVALID, f"Number of items in AdditionalVersionWeights cannot be greater than {most}")
    for version, weight in additional.items():
        for check in _ENTRY_CHECKS:
            refusal = check(primary, str(version), weight)
            if refusal is not None:
                return refusal
    return None


def _check(backend: Any, function_name: str, primary: str, routing_config: Any) -> None:
    """Raise Lambda's error for a routing it refuses; moto's own ResourceNotFoundException for a missing version."""
    from moto.awslambda.exceptions import LambdaClientError  # moto loads at sandbox start: start-up time

    refusal = routing_refusal(primary, routing_config)
    if refusal is not None:
        raise LambdaClientError(refusal.code, refusal.message)
    for version in weights(routing_config):
        backend.get_function(function_name, version)


def _create(self: Any, name: str, function_name: str, function_version: str, description: str,
            routing_config: Any) -> Any:
    """CreateAlias, after Lambda's checks: the alias's own version first (moto's error), then the routing."""
    self.get_function(function_name, function_version)
    _check(self, function_name, function_version, routing_config)
    return seams.original(CREATE)(self, name, function_name, function_version, description, routing_config)


def _update(self: Any, name: str, function_name: str, function_version: str | None, description: str | None,
            routing_config: Any) -> Any:
    """UpdateAlias, after Lambda's checks of the alias as it would become (a value left out keeps the old one)."""
    alias = self.get_alias(name, function_name)
    primary = function_version if function_version is not None else alias.function_version
    _check(self, function_name, primary, routing_config if routing_config is not None else alias.routing_config)
    return seams.original(UPDATE)(self, name, function_name, function_version, description, routing_config)


def _alias(backend: Any, fn: Any, qualifier: str | None) -> Any:
    """The alias `qualifier` names, or None when it names a version or nothing."""
    if not qualifier or qualifier == LATEST or qualifier.isdigit():
        return None
    return backend.get_alias(qualifier, fn.function_name)


def routed(backend: Any, fn: Any, qualifier: str | None) -> Any:
    """The function version an invocation of `qualifier` runs: for a weighted alias, one drawn by weight.

    `fn` is what moto resolved the qualifier to (an alias's own version); anything but a weighted alias runs it.
    """
    alias = _alias(backend, fn, qualifier)
    additional = weights(alias.routing_config) if alias is not None else {}
    for version, weight in additional.items():
        if _chooser.random() < weight:
            return backend.get_function(fn.function_name, version)
    return fn


def qualifier_of(function: str) -> str | None:
    """The alias or version a function name or ARN ends with (`name:live`, `arn:...:function:name:2`), if any."""
    parts = function.split(":")
    if function.startswith("arn:"):
        return parts[7] if len(parts) > 7 and parts[7] else None
    return parts[1] if len(parts) == 2 and parts[1] else None


def routed_target(backend: Any, function: str) -> Any:
    """The version a trigger aimed at `function` (a name or ARN, perhaps of an alias) runs: as `routed` draws it.

    Event source mappings, API Gateway integrations and EventBridge targets that name a weighted alias split
    their invocations by its weights, as Invoke does (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html).
    """
    qualifier = qualifier_of(function)
    return routed(backend, backend.get_function(function), qualifier)


def install() -> None:
    """Put Lambda's routing checks in front of moto's CreateAlias and UpdateAlias (idempotent)."""
    if seams.is_patched(CREATE):
        return
    seams.patch(CREATE, functools.wraps(seams.original(CREATE))(_create))
    seams.patch(UPDATE, functools.wraps(seams.original(UPDATE))(_update))


__all__ = ["CREATE", "UPDATE", "install", "qualifier_of", "routed", "routed_target", "routing_refusal",
           "use_random", "weights"]
