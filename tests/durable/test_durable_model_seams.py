"""The engine relies on parts of AWS's durable execution model; a model that changed them is refused at its start."""

from __future__ import annotations

import pytest
from aws_durable_execution_sdk_python_testing.executor import Executor

from localaws import seams
from localaws.durable import service


def test_the_installed_model_has_what_the_engine_relies_on():
    assert seams.problems(only=seams.DURABLE_MODEL) == []


def test_a_model_whose_relied_on_method_changed_stops_the_engine_from_starting(monkeypatch):
    monkeypatch.setattr(Executor, "_retry_after_error", lambda self, execution_arn: None)
    monkeypatch.setattr(seams, "_verified_services", set())
    running = service.current()
    with pytest.raises(seams.SeamMismatch, match=r"Executor._retry_after_error takes \(self, execution_arn\)"):
        service.start(None, "us-east-1")  # type: ignore[arg-type]  # refused before the runtime is used
    assert service.current() is running  # the refusal came first: whatever engine ran still runs
