"""Credentials for the sandbox: dummy ones for the learner's process, role sessions for execution environments."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

DUMMY = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
DEFAULT_REGION = "us-east-1"
# Settings that could send a client somewhere other than the sandbox, or to the user's real credentials.
_STRIPPED_PREFIXES = ("AWS_ENDPOINT_URL_", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_", "AWS_WEB_IDENTITY")


def point_clients_at(endpoint_url: str, region: str = DEFAULT_REGION) -> None:
    """Make every boto3 client created from now on in this process (and its children) use the sandbox."""
    for key in [k for k in os.environ if k.startswith(_STRIPPED_PREFIXES)]:
        del os.environ[key]
    os.environ.update(DUMMY)  # always overwritten: real credentials must never reach the sandbox's clients
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        import boto3  # boto3 loads at sandbox start: start-up time
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return
    boto3.DEFAULT_SESSION = _fresh_session()  # a session made earlier would keep the old settings


@contextlib.contextmanager
def scoped_environ(values: Mapping[str, str] | None = None, prefixes: tuple[str, ...] = ()) -> Iterator[None]:
    """Set `values` in os.environ for the block; on leaving, put those variables, and every one whose name starts
    with one of `prefixes`, back as they were, whatever the block did to them (set, changed or deleted)."""
    values = dict(values or {})

    def watched(key: str) -> bool:
        return key in values or key.startswith(prefixes)

    saved = {key: value for key, value in os.environ.items() if watched(key)}
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [key for key in os.environ if watched(key)]:
            del os.environ[key]
        os.environ.update(saved)


_loader: Any = None  # botocore's data loader, shared by the sessions made here: models are parsed once


def shared_loader() -> Any:
    """The process's botocore data loader (botocore makes one per session, and parses every model again)."""
    global _loader
    if _loader is None:
        from botocore.loaders import create_loader  # botocore loads at sandbox start: start-up time

        _loader = create_loader()
    return _loader


def _fresh_session() -> Any:
    """A new default boto3 session, reading settings afresh but service models from the shared loader."""
    import boto3  # boto3 loads at sandbox start: start-up time
    import botocore.session  # botocore loads at sandbox start: start-up time

    core = botocore.session.get_session()
    core.register_component("data_loader", shared_loader())
    session = boto3.session.Session(botocore_session=core)
    paths = shared_loader().search_paths
    paths[:] = list(dict.fromkeys(paths))  # boto3 adds its own folder each time it sets up a session
    return session


def service_model(service: str) -> Any:
    """botocore's model of a service, parsed through the shared loader (once per process, and not again in
    programs forked after warm_service_models)."""
    import botocore.session  # botocore loads at sandbox start: start-up time

    core = botocore.session.get_session()
    core.register_component("data_loader", shared_loader())
    return core.get_service_model(service)


def warm_service_models(services: list[str]) -> None:
    """Parse what clients of these services need into the shared loader, without making any request.

    The grading fork server does this once, so that the programs it forks create their clients at once.
    """
    import botocore.session  # botocore loads at sandbox start: start-up time

    core = botocore.session.get_session()
    core.register_component("data_loader", shared_loader())
    for service in services:
        core.create_client(service, region_name=DEFAULT_REGION, endpoint_url="http://127.0.0.1:9",
                           aws_access_key_id="warm", aws_secret_access_key="warm")


def role_credentials(fn: Any) -> dict[str, str]:
    """Temporary credentials of the function's execution role, from the sandbox's STS (as Lambda does)."""
    from moto.sts.models import sts_backends  # moto loads at sandbox start: start-up time
    from moto.utilities.utils import get_partition  # moto loads at sandbox start: start-up time

    sts = sts_backends[fn.account_id][get_partition(fn.region)]
    session = sts.assume_role(region_name=fn.region, role_session_name=fn.function_name, role_arn=fn.role,
                              policy="", duration=43200, external_id="")
    return {
        "AWS_ACCESS_KEY_ID": session.access_key_id,
        "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
        "AWS_SESSION_TOKEN": session.session_token,
    }
