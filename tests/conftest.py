"""Shared fixtures: one sandbox per test process, and unique names so tests never collide."""

from __future__ import annotations

import uuid

import boto3
import pytest


@pytest.fixture(scope="session")
def sb():
    """The sandbox, started once for this test process."""
    from localaws import sandbox

    running = sandbox.start()
    yield running
    running.stop()


@pytest.fixture
def make_id_table(sb):
    """Create an on-demand DynamoDB table keyed by the string "id" (Powertools' idempotency layout); return the name."""

    def make(name: str) -> str:
        boto3.client("dynamodb").create_table(
            TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        return name

    return make


@pytest.fixture(scope="module")
def settle_after_module(sb):
    """After a module's tests: wait for background work, then stop the function environments the module started."""
    yield
    sb.wait_idle(timeout=10)
    sb.runtime.stop_all()


@pytest.fixture
def unique() -> str:
    """A short unique suffix for resource names."""
    return uuid.uuid4().hex[:8]
