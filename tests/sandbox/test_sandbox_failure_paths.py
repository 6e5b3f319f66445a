"""Failure paths of the sandbox: an error underneath is logged and answered as an error, never as a success.

Where the sandbox catches every exception on purpose (the SQS poller's thread and batches, an invocation that
fails inside the sandbox, an API Gateway integration) the tests force that failure and check what follows.
Where it catches only moto's "not found" answer, the tests check that answer still has its fallback and that
any other error now propagates (so that IAM checks deny, rather than decide on less information).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_course.deploy import deploy_function

ACCOUNT, REGION = "123456789012", "us-east-1"
OTHER = "999988887777"  # an account no other test uses, so that patching its moto backends disturbs nothing
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def _raise(error: Exception) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fail


def _eventually(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)
    return result


def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    """A record containing `text` was logged with its traceback."""
    return any(text in record.getMessage() and record.exc_info for record in caplog.records)


# -- the Lambda runtime --------------------------------------------------------------------------------------


def test_a_sandbox_failure_during_an_invocation_is_a_logged_500(sb, unique, monkeypatch, caplog):
    from localaws.runtime.environment import ExecutionEnvironment

    name = f"broken-run-{unique}"
    deploy_function(name, HANDLER)
    monkeypatch.setattr(ExecutionEnvironment, "invoke", _raise(RuntimeError("the runtime API fell over")))
    client = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    with caplog.at_level(logging.ERROR, logger="localaws.runtime.service"), pytest.raises(ClientError) as raised:
        client.invoke(FunctionName=name, Payload=b"{}")
    error = raised.value.response
    assert error["Error"]["Code"] == "ServiceException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "the runtime API fell over" in error["Error"]["Message"]
    assert _logged(caplog, f"The sandbox failed to run {name}")
    assert sb.runtime.environments(name) == []  # the environment that failed is stopped, not reused


def test_latest_falls_back_only_for_a_deleted_function(monkeypatch):
    from moto.awslambda.exceptions import UnknownFunctionException

    from localaws.runtime import asynchronous

    fn = SimpleNamespace(account_id=ACCOUNT, region=REGION, function_name="gone", version="$LATEST")
    deleted = SimpleNamespace(get_function=_raise(UnknownFunctionException("arn:aws:lambda:::function:gone")))
    monkeypatch.setattr(asynchronous, "_backend", lambda account, region: deleted)
    assert asynchronous._latest(fn) is fn
    broken = SimpleNamespace(get_function=_raise(RuntimeError("backend broke")))
    monkeypatch.setattr(asynchronous, "_backend", lambda account, region: broken)
    with pytest.raises(RuntimeError, match="backend broke"):
        asynchronous._latest(fn)


def test_a_background_invocation_that_fails_in_the_sandbox_is_logged(sb, monkeypatch, caplog):
    from localaws.runtime import asynchronous

    broken = SimpleNamespace(get_function=_raise(RuntimeError("backend broke")))
    monkeypatch.setattr(asynchronous, "_backend", lambda account, region: broken)
    fn = SimpleNamespace(account_id=ACCOUNT, region=REGION, function_name="any", version="$LATEST",
                         function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:any")
    with caplog.at_level(logging.ERROR, logger="localaws.runtime.service"):
        future = sb.runtime.invoke_async(fn, b"{}")
        assert isinstance(future.exception(timeout=10), RuntimeError)
        assert sb.runtime.wait_idle(10)
    assert _logged(caplog, "A background invocation failed in the sandbox")


# -- the SQS poller ------------------------------------------------------------------------------------------


def _mapped_queue(unique: str, visibility_timeout: str) -> tuple[str, str, str]:
    """A function, a queue with one message, and a mapping between them: (queue URL, mapping UUID, message ID)."""
    name = f"poll-{unique}"
    # Lambda refuses a mapping whose queue hides a message for less time than the function may run.
    deploy_function(name, HANDLER, timeout=min(3, int(visibility_timeout)))
    boto3.client("lambda").invoke(FunctionName=name)  # warm: a batch then runs well within a 1 s timeout
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"poll-{unique}", Attributes={"VisibilityTimeout": visibility_timeout})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    message_id = sqs.send_message(QueueUrl=url, MessageBody="work")["MessageId"]
    mapping = boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=name)["UUID"]
    return url, mapping, message_id


def _counts(url: str) -> tuple[int, int]:
    values = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(values["ApproximateNumberOfMessages"]), int(values["ApproximateNumberOfMessagesNotVisible"])


def _history(sb: Any, mapping: str) -> list[Any]:
    return [record for record in list(sb.sqs_poller.history) if record.mapping_uuid == mapping]


def test_a_failed_poll_is_logged_and_the_poller_delivers_on_a_later_poll(sb, unique, monkeypatch, caplog):
    poller = sb.sqs_poller
    real_poll = poller._poll
    broken = threading.Event()
    broken.set()
    failures: list[float] = []

    def poll() -> None:
        if broken.is_set():
            failures.append(time.monotonic())
            raise RuntimeError("the queue backend fell over")
        real_poll()

    caplog.set_level(logging.ERROR, logger="localaws.eventsources.poller")
    monkeypatch.setattr(poller, "_poll", poll)
    url, mapping, _ = _mapped_queue(unique, "10")
    try:
        seen = len(failures)
        _eventually(lambda: len(failures) >= seen + 3)  # polls keep failing, and keep coming
        assert _counts(url) == (1, 0) and _history(sb, mapping) == []  # nothing delivered while they fail
        assert poller._thread is not None and poller._thread.is_alive()
        broken.clear()
        _eventually(lambda: [record.outcome for record in _history(sb, mapping)] == ["ok"])
        assert sb.wait_idle(10)
        assert _counts(url) == (0, 0)
        assert _logged(caplog, "SQS poll failed")
    finally:
        boto3.client("lambda").delete_event_source_mapping(UUID=mapping)


@pytest.mark.parametrize("where", ["reading the answer", "deleting the messages"])
def test_a_batch_that_fails_in_the_sandbox_is_an_error_and_its_message_returns(sb, unique, monkeypatch, caplog,
                                                                               where):
    from localaws.eventsources import batch_response

    poller = sb.sqs_poller
    target, attribute = (batch_response, "messages_to_keep") if where == "reading the answer" else (poller, "_delete")
    real = getattr(target, attribute)
    calls: list[int] = []

    def fail_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f"failed while {where}")
        return real(*args, **kwargs)

    caplog.set_level(logging.ERROR, logger="localaws.eventsources.poller")
    monkeypatch.setattr(target, attribute, fail_once)
    url, mapping, message_id = _mapped_queue(unique, "1")  # the failed message is visible again after 1 s
    try:
        records = _eventually(lambda: len(_history(sb, mapping)) >= 2 and _history(sb, mapping))
        assert sb.wait_idle(10)
        first, second = records[:2]
        assert (first.outcome, first.kept) == ("error", [message_id])  # never recorded as a success
        assert (second.outcome, second.message_ids) == ("ok", [message_id])
        assert second.started - first.started >= 0.9  # received again only after its visibility timeout
        assert _counts(url) == (0, 0)
        assert _logged(caplog, "SQS batch failed in the sandbox")
    finally:
        boto3.client("lambda").delete_event_source_mapping(UUID=mapping)


# -- API Gateway -------------------------------------------------------------------------------------------------


def test_an_integration_that_fails_in_the_sandbox_answers_500(monkeypatch, caplog):
    from localaws.apigateway import integrations, lookup
    from localaws.apigateway.messages import REASON_HEADER

    fn = SimpleNamespace(function_name="target", function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:target")
    monkeypatch.setattr(lookup, "target_for_uri", lambda uri: (SimpleNamespace(), None, fn))
    runtime = SimpleNamespace(invoke=_raise(RuntimeError("the runtime fell over")))
    with caplog.at_level(logging.ERROR, logger="localaws.apigateway.integrations"):
        response = integrations.call_lambda(runtime, fn.function_arn, {}, "2.0", 5.0)
    assert response.status == 500
    assert json.loads(response.body) == {"message": "Internal server error"}
    assert "the runtime fell over" in (response.header(REASON_HEADER) or "")
    assert _logged(caplog, "The integration call to target failed in the sandbox")


def test_function_lookup_is_none_only_when_there_is_no_such_function(monkeypatch):
    from moto.awslambda.models import lambda_backends

    from localaws.apigateway import lookup

    backend = lambda_backends[OTHER][REGION]
    missing = f"arn:aws:lambda:{REGION}:{OTHER}:function:missing-{uuid.uuid4().hex[:8]}"
    assert lookup.target_for_uri(missing) is None
    assert lookup.target_for_uri(f"arn:aws:lambda:nowhere-1:{OTHER}:function:x") is None
    assert lookup.function_with_url("not:a:name") is None  # moto cannot parse it; it names no function
    monkeypatch.setattr(backend, "get_function", _raise(RuntimeError("backend broke")))
    with pytest.raises(RuntimeError, match="backend broke"):
        lookup.target_for_uri(missing)
    monkeypatch.setattr(lookup, "_lambda_backends", lambda: iter([backend]))
    with pytest.raises(RuntimeError, match="backend broke"):
        lookup.function_with_url("missing")


# -- the function's KMS key -------------------------------------------------------------------------------------


def _encrypted_function(key_arn: str, role: str = "lambda-role") -> SimpleNamespace:
    return SimpleNamespace(kms_key_arn=key_arn, environment_vars={"A": "1"}, account_id=OTHER, region=REGION,
                           function_name="fn", role=f"arn:aws:iam::{OTHER}:role/{role}")


def test_a_key_that_is_not_there_is_not_found_and_other_errors_propagate(monkeypatch):
    from localaws.iam import arns
    from localaws.secrets.envkey import key_problem

    for key in (f"alias/none-{uuid.uuid4().hex[:8]}", f"arn:aws:kms:{REGION}:{OTHER}:key/{uuid.uuid4()}",
                f"arn:aws:kms:nowhere-1:{OTHER}:key/{uuid.uuid4()}"):
        problem = key_problem(_encrypted_function(key))
        assert problem is not None and problem.code == "KMSNotFoundException", key
    monkeypatch.setattr(arns, "kms_key_id", _raise(RuntimeError("backend broke")))
    with pytest.raises(RuntimeError, match="backend broke"):
        key_problem(_encrypted_function("alias/anything"))


def test_a_grant_to_a_deleted_role_is_denied_and_other_errors_propagate(monkeypatch):
    from localaws.iam import identity
    from localaws.secrets.envkey import _access

    key = SimpleNamespace(arn=f"arn:aws:kms:{REGION}:{OTHER}:key/{uuid.uuid4()}", policy=None)
    problem = _access(_encrypted_function(key.arn, role=f"gone-{uuid.uuid4().hex[:8]}"), key)
    assert problem is not None and problem.code == "KMSAccessDeniedException"
    assert "UnrecognizedClientException" in problem.message
    monkeypatch.setattr(identity, "role_policies", _raise(RuntimeError("policy store broke")))
    with pytest.raises(RuntimeError, match="policy store broke"):
        _access(_encrypted_function(key.arn), key)


# -- IAM enforcement: what the sandbox reads to decide a request -----------------------------------------------


def test_a_managed_policy_that_is_gone_grants_nothing_and_other_errors_propagate():
    from moto.iam.exceptions import NotFoundException

    from localaws.iam.identity import _managed_document

    arn = f"arn:aws:iam::{OTHER}:policy/gone"
    assert _managed_document(SimpleNamespace(get_policy=_raise(NotFoundException("gone"))), arn) is None
    with pytest.raises(RuntimeError, match="policy store broke"):
        _managed_document(SimpleNamespace(get_policy=_raise(RuntimeError("policy store broke"))), arn)


def test_resource_policies_of_missing_resources_are_none_and_other_errors_propagate(monkeypatch):
    from moto.awslambda.models import lambda_backends
    from moto.iam.models import iam_backends

    from localaws.iam.arns import Where
    from localaws.iam.resource_policies import resource_policy

    where = Where("aws", REGION, OTHER)
    function, role = f"arn:aws:lambda:{REGION}:{OTHER}:function:missing", f"arn:aws:iam::{OTHER}:role/missing"
    assert resource_policy(function, where) is None
    assert resource_policy(role, where) is None
    monkeypatch.setattr(lambda_backends[OTHER][REGION], "get_function", _raise(RuntimeError("lambda broke")))
    monkeypatch.setattr(iam_backends[OTHER]["aws"], "get_role_by_arn", _raise(RuntimeError("iam broke")))
    with pytest.raises(RuntimeError, match="lambda broke"):
        resource_policy(function, where)
    with pytest.raises(RuntimeError, match="iam broke"):
        resource_policy(role, where)


def test_resource_arns_fall_back_only_for_what_is_not_there(monkeypatch):
    from moto.iam.models import iam_backends
    from moto.kms.models import kms_backends

    from localaws.iam.arns import Where, resource_arns

    where = Where("aws", REGION, OTHER)
    assert resource_arns("kms_key", "alias/none", {}, where) == [f"arn:aws:kms:{REGION}:{OTHER}:alias/none"]
    assert resource_arns("iam_role", "missing", {}, where) == [f"arn:aws:iam::{OTHER}:role/missing"]
    for blob in (b"", b"\xff" * 80, None, "not bytes"):
        assert resource_arns("kms_ciphertext", blob, {}, where) == ["*"], blob
    monkeypatch.setattr(kms_backends[OTHER][REGION], "get_key_id_from_alias", _raise(RuntimeError("kms broke")))
    monkeypatch.setattr(iam_backends[OTHER]["aws"], "get_role", _raise(RuntimeError("iam broke")))
    with pytest.raises(RuntimeError, match="kms broke"):
        resource_arns("kms_key", "alias/none", {}, where)
    with pytest.raises(RuntimeError, match="iam broke"):
        resource_arns("iam_role", "missing", {}, where)


def test_tags_of_missing_things_are_none_and_other_errors_propagate(monkeypatch):
    from moto.awslambda.models import lambda_backends
    from moto.iam.models import iam_backends

    from localaws.iam.arns import Where
    from localaws.iam.identity import RoleSession
    from localaws.iam.tags import principal_tags, resource_tags

    where = Where("aws", REGION, OTHER)
    session = RoleSession(f"arn:aws:sts::{OTHER}:assumed-role/missing/fn", f"arn:aws:iam::{OTHER}:role/missing",
                          "missing", OTHER, "aws")
    function = f"arn:aws:lambda:{REGION}:{OTHER}:function:missing"
    assert principal_tags(session) == {}
    assert resource_tags(function, where) == {}
    assert resource_tags(f"arn:aws:sqs:nowhere-1:{OTHER}:queue", where) == {}
    monkeypatch.setattr(iam_backends[OTHER]["aws"], "get_role", _raise(RuntimeError("iam broke")))
    monkeypatch.setattr(lambda_backends[OTHER][REGION], "get_function", _raise(RuntimeError("lambda broke")))
    with pytest.raises(RuntimeError, match="iam broke"):
        principal_tags(session)
    with pytest.raises(RuntimeError, match="lambda broke"):  # an error here must deny, not drop a Deny's tag
        resource_tags(function, where)


def test_log_group_tags_are_read():
    from moto.logs.models import logs_backends

    from localaws.iam.arns import Where
    from localaws.iam.tags import resource_tags

    name = f"/failure-paths/{uuid.uuid4().hex[:8]}"
    logs_backends[OTHER][REGION].create_log_group(name, {"team": "a"})
    arn = f"arn:aws:logs:{REGION}:{OTHER}:log-group:{name}:log-stream:"
    assert resource_tags(arn, Where("aws", REGION, OTHER)) == {"aws:ResourceTag/team": "a"}
