"""Fixtures for the SQS event source mapping tests: a queue factory and a function factory."""

from __future__ import annotations

import boto3
import pytest
from sqs_support import LOG_BATCH, Queue

from lambda_course.deploy import deploy_function


@pytest.fixture
def make_queue(sb, unique):
    """Create a queue named for the test; `fifo=True` makes a FIFO queue; attributes are strings, as in the API.

    The visibility timeout is 10 s unless a test sets it: longer than any batch takes on a busy machine, so a
    message is received twice only in tests that make it fail and ask for a quick retry (QUICK_RETRY).
    """
    created = 0

    def make(name: str = "jobs", fifo: bool = False, **attributes: str) -> Queue:
        nonlocal created
        created += 1
        sqs = boto3.client("sqs")
        queue_name = f"{name}-{unique}-{created}" + (".fifo" if fifo else "")
        if fifo:
            attributes["FifoQueue"] = "true"
        attributes.setdefault("VisibilityTimeout", "10")
        url = sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Queue(url, arn)

    return make


@pytest.fixture
def function(sb, unique):
    """Deploy a handler (LOG_BATCH is prepended to its source) under a name unique to the test."""

    def deploy(source: str, name: str = "consumer", timeout: int = 3) -> str:
        function_name = f"{name}-{unique}"
        deploy_function(function_name, LOG_BATCH + source, timeout=timeout)
        return function_name

    return deploy
