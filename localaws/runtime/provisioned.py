"""Provisioned concurrency: the API moto lacks (it answers "not yet implemented"), backed by real environments.

`PutProvisionedConcurrencyConfig` on a version or alias starts that many execution environments and runs their
INIT at once, before any request; invocations then find a warm environment, so their REPORT lines carry no
Init Duration. Configs live in the runtime; these methods are added to moto's LambdaResponse by the seam.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from moto.core.utils import iso_8601_datetime_with_nanoseconds

from localaws.runtime.environment import ExecutionEnvironment
from localaws.runtime.errors import InvokeError
from localaws.runtime.service import LambdaRuntime


@dataclass
class ProvisionedConfig:
    """One function qualifier's provisioned concurrency and the environments kept for it."""

    function_arn: str
    requested: int
    last_modified: str
    environments: list[ExecutionEnvironment] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        ready = sum(1 for env in self.environments if env.initialised and env.alive)
        return {
            "RequestedProvisionedConcurrentExecutions": self.requested,
            "AvailableProvisionedConcurrentExecutions": ready,
            "AllocatedProvisionedConcurrentExecutions": ready,
            "Status": "READY" if ready >= self.requested else "IN_PROGRESS",
            "LastModified": self.last_modified,
        }


def _configs(runtime: LambdaRuntime) -> dict[tuple[str, str], ProvisionedConfig]:
    return runtime.provisioned_configs


def _target(response: Any) -> tuple[str, str, Any]:
    name = unquote(response.path.split("/functions/")[1].split("/")[0])
    qualifier = response.querystring.get("Qualifier", [None])[0]
    if not qualifier or qualifier == "$LATEST":
        raise InvokeError("InvalidParameterValueException",
                          "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    fn = response.backend.get_function(name, qualifier)
    return fn.function_name, qualifier, fn


def _answer(status: int, body: dict[str, Any] | None = None) -> tuple[int, dict[str, str], str]:
    return status, {"status": str(status), "content-type": "application/json"}, json.dumps(body) if body else ""


def _error(error: InvokeError) -> tuple[int, dict[str, str], str]:
    body = json.dumps({"__type": error.code, "Type": "User", "message": error.message})
    return error.status, {"x-amzn-ErrorType": error.code, "status": str(error.status)}, body


def _not_found(name: str, qualifier: str) -> InvokeError:
    return InvokeError("ProvisionedConcurrencyConfigNotFoundException",
                       f"No Provisioned Concurrency Config found for this function {name}:{qualifier}", 404)


def make_handlers(get_runtime: Callable[[], LambdaRuntime]) -> dict[str, Any]:
    """The four LambdaResponse methods, bound to whichever runtime the sandbox is running."""

    def put_provisioned_concurrency_config(self: Any) -> tuple[int, dict[str, str], str]:
        try:
            name, qualifier, fn = _target(self)
            runtime: LambdaRuntime = get_runtime()
            count = int(json.loads(self.body)["ProvisionedConcurrentExecutions"])
            configs = _configs(runtime)
            if (name, qualifier) in configs:
                runtime.deprovision(fn)
            config = ProvisionedConfig(fn.function_arn, count, iso_8601_datetime_with_nanoseconds())
            config.environments = runtime.provision(fn, count)
            configs[(name, qualifier)] = config
            return _answer(202, config.describe())
        except InvokeError as error:
            return _error(error)

    def get_provisioned_concurrency_config(self: Any) -> tuple[int, dict[str, str], str]:
        try:
            name, qualifier, _fn = _target(self)
            config = _configs(get_runtime()).get((name, qualifier))
            if config is None:
                raise _not_found(name, qualifier)
            return _answer(200, config.describe())
        except InvokeError as error:
            return _error(error)

    def delete_provisioned_concurrency_config(self: Any) -> tuple[int, dict[str, str], str]:
        try:
            name, qualifier, fn = _target(self)
            runtime = get_runtime()
            if _configs(runtime).pop((name, qualifier), None) is None:
                raise _not_found(name, qualifier)
            runtime.deprovision(fn)
            return _answer(204)
        except InvokeError as error:
            return _error(error)

    def list_provisioned_concurrency_configs(self: Any) -> tuple[int, dict[str, str], str]:
        name = unquote(self.path.split("/functions/")[1].split("/")[0])
        found = [{"FunctionArn": config.function_arn, **config.describe()}
                 for (fn_name, _q), config in _configs(get_runtime()).items() if fn_name == name]
        return _answer(200, {"ProvisionedConcurrencyConfigs": found})

    return {handler.__name__: handler for handler in (
        put_provisioned_concurrency_config, get_provisioned_concurrency_config,
        delete_provisioned_concurrency_config, list_provisioned_concurrency_configs)}
