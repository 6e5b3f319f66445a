"""The small bottom-layer pieces the local AWS shares: its switches, environment scopes, sockets, and the runtime
moto's invocations go to."""

from __future__ import annotations

import os
import socket

import pytest

from localaws import settings
from localaws.credentials import scoped_environ
from localaws.net import NoDelayRequestHandler, no_delay
from localaws.runtime import moto_seam


def test_a_fresh_settings_object_holds_aws_behaviour():
    fresh = settings.Settings()
    assert fresh.enforce_iam and fresh.enforce_resource_policies is None and fresh.resource_policies_enforced
    assert not settings.Settings(enforce_resource_policies=False).resource_policies_enforced


def test_the_sandbox_switches_are_its_installed_settings(sb):
    assert settings.active() is sb.settings
    sb.enforce_iam = False
    sb.enforce_resource_policies = False
    try:
        assert not settings.active().enforce_iam and not settings.active().resource_policies_enforced
        assert sb.enforced_resource_policies() is False and sb.enforce_resource_policies is False
    finally:
        sb.enforce_iam = True
        sb.set_enforce_resource_policies(None)
    assert sb.enforced_resource_policies() is None and sb.enforce_resource_policies is True


def test_uninstalling_settings_that_were_replaced_keeps_the_newer_ones(sb):
    older, newer = settings.Settings(), settings.Settings(enforce_iam=False)
    try:
        settings.install(older)
        settings.install(newer)
        settings.uninstall(older)
        assert settings.active() is newer
        settings.uninstall(newer)
        assert settings.active() == settings.Settings()  # the defaults
    finally:
        settings.install(sb.settings)


def test_a_scoped_environ_puts_back_what_the_block_set_changed_or_deleted(monkeypatch):
    monkeypatch.setenv("SCOPED_KEPT", "before")
    monkeypatch.setenv("SCOPED_PREFIX_GONE", "was here")
    monkeypatch.delenv("SCOPED_PREFIX_NEW", raising=False)
    monkeypatch.delenv("SCOPED_VALUE", raising=False)
    with scoped_environ({"SCOPED_VALUE": "inside", "SCOPED_KEPT": "changed"}, prefixes=("SCOPED_PREFIX_",)):
        assert os.environ["SCOPED_VALUE"] == "inside" and os.environ["SCOPED_KEPT"] == "changed"
        os.environ["SCOPED_PREFIX_NEW"] = "added inside"
        del os.environ["SCOPED_PREFIX_GONE"]
    assert os.environ["SCOPED_KEPT"] == "before" and os.environ["SCOPED_PREFIX_GONE"] == "was here"
    assert "SCOPED_VALUE" not in os.environ and "SCOPED_PREFIX_NEW" not in os.environ


def test_no_delay_turns_off_nagles_algorithm():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as connection:
        assert no_delay(connection) is connection
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_every_server_of_the_sandbox_uses_the_no_delay_handler():
    from localaws.apigateway import server as data_plane
    from localaws.runtime import api as runtime_api
    from localaws.sandbox import server as moto_server

    for handler in (data_plane._NoDelayHandler, runtime_api._Handler, moto_server._request_handler()):
        assert issubclass(handler, NoDelayRequestHandler), handler


def test_without_a_runtime_moto_is_told_to_start_the_sandbox(monkeypatch):
    monkeypatch.setattr(moto_seam, "_runtime", None)
    with pytest.raises(moto_seam.NoRuntime, match="start the sandbox"):
        moto_seam.running_runtime()


def test_the_running_runtime_is_the_sandboxs(sb):
    assert moto_seam.running_runtime() is sb.runtime
