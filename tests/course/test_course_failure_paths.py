"""When something underneath a check fails, the check fails too: never a pass, an allow, an empty answer or a point.

Each test forces one failure (a collaborator made to raise, or input that cannot work) and asserts what the
learner gets: a failed check with a message, or an error that is not taken for an answer. None needs the sandbox.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from lab5_policies import LEAST, STAR

from lambda_course import checks
from lambda_course.checks import CheckFailed
from lambda_course.deploy import Invocation
from lambda_course.labchecks import architecture as architecture_checks
from lambda_course.labchecks import coldstarts, etl, routing, security, timememory

PROBED = [name for name, case in security.OVERREACH.items() if "call" in case]


def client_error(code: str, operation: str = "Invoke") -> ClientError:
    """The error boto3 raises for an AWS error answer with this code."""
    return ClientError({"Error": {"Code": code, "Message": f"{code} from the service"}}, operation)


def raising(error: BaseException) -> Callable[..., Any]:
    """A stand-in for a collaborator that fails with `error` whatever it is given."""

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    return fail


def real_client(service: str) -> Any:
    """A boto3 client that never reaches a network: every call is answered by a Stubber."""
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", endpoint_url="http://127.0.0.1:9")


def use_client(monkeypatch: pytest.MonkeyPatch, client: Any) -> None:
    """Make every boto3.client(...) call of the code under test return `client`."""
    monkeypatch.setattr(boto3, "client", lambda *_args, **_kwargs: client)


# --- lambda_course/checks.py -----------------------------------------------------------------------------------------


def test_a_handler_that_raises_fails_call_handler_and_the_bad_input_check() -> None:
    def broken(event: dict, context: Any) -> Any:
        raise RuntimeError("boom")

    with pytest.raises(AssertionError, match="Your handler raised RuntimeError: boom when it got POST /split"):
        checks.call_handler(broken, checks.http_event("POST", "/split", {}))
    with pytest.raises(AssertionError, match="Your handler raised RuntimeError"):
        checks.check_handler_returns_4xx_on_bad_input(broken, checks.http_event("POST", "/split", "{oops"))


def test_a_failed_invoke_of_a_deployed_function_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lambda_course.deploy.invoke", raising(client_error("ResourceNotFoundException")))
    with pytest.raises(CheckFailed, match="There is no function called 'bill'"):
        checks.invoke_deployed("bill", {})
    with pytest.raises(CheckFailed, match="There is no function called 'bill'"):
        checks.call_handler(checks.deployed("bill"), checks.http_event("GET", "/"))
    monkeypatch.setattr("lambda_course.deploy.invoke", raising(EndpointConnectionError(endpoint_url="http://127.0.0.1:9")))
    with pytest.raises(CheckFailed, match="Could not reach the sandbox"):
        checks.invoke_deployed("bill", {})
    monkeypatch.setattr("lambda_course.deploy.invoke", raising(RuntimeError("a bug underneath")))
    with pytest.raises(RuntimeError, match="a bug underneath"):  # loud, and never a payload
        checks.invoke_deployed("bill", {})


# --- lambda_course/labchecks/routing.py ------------------------------------------------------------------------------


def test_a_pattern_eventbridge_refuses_fails_and_a_validator_bug_is_not_blamed_on_the_pattern(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CheckFailed, match="EventBridge would refuse the fraud-review pattern"):
        routing.check_pattern("fraud-review", {"detail": {"total": [{"numeric": [">", "a lot"]}]}})
    monkeypatch.setattr("localaws.eventbridge.validate_pattern", raising(RuntimeError("validator bug")))
    with pytest.raises(RuntimeError, match="validator bug"):
        routing.check_pattern("fraud-review", {"source": ["shop"]})


def test_a_consumer_that_raises_fails_the_local_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "times_fulfilled", lambda ids: dict.fromkeys(ids, 1))

    def consumer(event: dict, context: Any) -> Any:
        raise KeyError("quantity")

    with pytest.raises(CheckFailed, match="The handler raised KeyError: 'quantity'"):
        routing.check_consumer_locally(consumer)


# --- lambda_course/labchecks/coldstarts.py ---------------------------------------------------------------------------


def test_a_summarise_that_raises_fails_the_summary_check() -> None:
    with pytest.raises(CheckFailed, match="summarise raised RuntimeError: broken on 2 invocations"):
        coldstarts.check_summary(raising(RuntimeError("broken")), [(300.0, 900.0), (10.0, None)])


@pytest.mark.parametrize(("link", "stub_error"), [("s3://quotes/quote-1.pdf", "NoSuchKey"),
                                                  ("s3://quotes/quote-1.pdf", "NoSuchBucket"),
                                                  ("s3://quotes/", None)])  # an empty key fails validation
def test_a_pdf_link_to_no_object_fails_the_pdf_check(
    monkeypatch: pytest.MonkeyPatch, link: str, stub_error: str | None
) -> None:
    s3 = real_client("s3")
    stubber = Stubber(s3)
    if stub_error:
        stubber.add_client_error("get_object", service_error_code=stub_error, http_status_code=404)
    else:  # a PDF that would pass, were the empty key not refused before any request
        stubber.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"%PDF-1.4"), 8)})
    stubber.activate()
    use_client(monkeypatch, s3)
    monkeypatch.setattr(coldstarts, "_invocation", lambda *_args, **_kwargs: Invocation(200, {"pdf": link}, None, ""))
    with pytest.raises(CheckFailed, match="there is no such object in the bucket"):
        coldstarts._check_pdf("fast-quotes")


def test_a_failed_invoke_fails_the_cold_start_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coldstarts, "invoke", raising(client_error("ResourceNotFoundException")))
    with pytest.raises(CheckFailed, match="There is no function called 'fast-quotes'"):
        coldstarts.check_init_once("fast-quotes")
    monkeypatch.setattr(coldstarts, "invoke", raising(RuntimeError("a bug underneath")))
    with pytest.raises(RuntimeError, match="a bug underneath"):
        coldstarts.check_init_once("fast-quotes")


class FakeLambda:
    """The answers check_reserved and check_provisioned read before they send their burst of calls."""

    def get_function_concurrency(self, **_kwargs: Any) -> dict[str, Any]:
        return {"ReservedConcurrentExecutions": 2}

    def get_provisioned_concurrency_config(self, **_kwargs: Any) -> dict[str, Any]:
        return {"RequestedProvisionedConcurrentExecutions": 2, "Status": "READY"}


def test_calls_run_at_once_keep_each_error_as_their_result() -> None:
    results = coldstarts._at_once(3, raising(RuntimeError("lost connection")))
    assert [type(r) for r in results] == [RuntimeError] * 3


def test_a_burst_call_that_fails_otherwise_than_a_throttle_fails_the_reserved_check(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    use_client(monkeypatch, FakeLambda())
    monkeypatch.setattr(coldstarts, "_call", raising(RuntimeError("lost connection")))
    with pytest.raises(CheckFailed, match="failed for another reason than a throttle: lost connection"):
        coldstarts.check_reserved("inventory", 2, burst=4)


def test_a_burst_that_is_all_throttled_fails_the_reserved_check(monkeypatch: pytest.MonkeyPatch) -> None:
    use_client(monkeypatch, FakeLambda())
    monkeypatch.setattr(coldstarts, "_call", raising(client_error("TooManyRequestsException")))
    with pytest.raises(CheckFailed, match="None of the 4 calls to 'inventory' ran: all were throttled"):
        coldstarts.check_reserved("inventory", 2, burst=4)


def test_a_failed_call_through_the_alias_fails_the_provisioned_check(monkeypatch: pytest.MonkeyPatch) -> None:
    use_client(monkeypatch, FakeLambda())
    monkeypatch.setattr(coldstarts, "_invocation", raising(RuntimeError("lost connection")))
    with pytest.raises(CheckFailed, match="Some of the 2 requests through 'live' failed: lost connection"):
        coldstarts.check_provisioned("fast-quotes", "live", 2)


# --- lambda_course/labchecks/security.py -----------------------------------------------------------------------------


def probe_handler() -> Callable[[dict, Any], Any]:
    """The probe function's handler, built from the source the lab deploys."""
    namespace: dict[str, Any] = {}
    exec(compile(security.PROBE_SOURCE, "probe.py", "exec"), namespace)
    return namespace["handler"]


def test_the_probe_answers_any_failure_with_its_name_and_only_a_denial_with_access_denied(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    event = {"service": "s3", "method": "get_object", "kwargs": {"Bucket": "b", "Key": "k"}}
    monkeypatch.setattr(boto3, "client", raising(RuntimeError("no client")))
    assert probe_handler()(event, None) == "RuntimeError"
    monkeypatch.setattr(boto3, "client", raising(client_error("AccessDenied", "GetObject")))
    assert probe_handler()(event, None) == "AccessDenied"


@pytest.fixture
def offline_lab5(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lab 5's setup and deploys made to do nothing, so only the probe's answers decide."""
    monkeypatch.setattr(security, "lab5_setup", lambda: None)
    monkeypatch.setattr(security, "ensure_role", lambda name, policy=None: f"arn:aws:iam::123456789012:role/{name}")
    monkeypatch.setattr(security, "deploy_function", lambda *_args, **_kwargs: None)


@pytest.mark.parametrize("answer", ["RuntimeError", "error", "ResourceNotFoundException"])
def test_a_probe_that_fails_counts_as_allowed_and_fails_least_privilege(
    monkeypatch: pytest.MonkeyPatch, offline_lab5: None, answer: str
) -> None:
    monkeypatch.setattr(security, "_probe", lambda call: answer)
    assert len(security.overreaching_allowed(LEAST, PROBED)) == len(PROBED)
    with pytest.raises(CheckFailed, match="Your role also allows calls the thumbnailer never makes"):
        security.check_least_privilege(LEAST, ["read-other-bucket"])


def test_a_sandbox_that_denies_everything_earns_no_least_privilege_points(
    monkeypatch: pytest.MonkeyPatch, offline_lab5: None
) -> None:
    monkeypatch.setattr(security, "_probe", lambda call: "AccessDenied")
    assert security.overreaching_allowed(LEAST, PROBED) == []
    assert len(security.overreaching_allowed(STAR, PROBED)) == len(PROBED)
    with pytest.raises(CheckFailed, match=f"s3:GetObject on arn:aws:s3:::{security.PAYROLL}/salaries.csv"):
        security.check_least_privilege(STAR, ["read-other-bucket", "delete-item"])


@pytest.mark.parametrize(("permission", "stub_error"), [
    ({"FunctionName": "another", "StatementId": "s"}, None),  # a keyword add_permission already has: TypeError
    ({"StatementId": "s", "Principal": "s3.amazonaws.com"}, None),  # Action missing: boto3's validation
    ({"StatementId": "s", "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"},
     "ResourceConflictException"),
])
def test_an_add_permission_that_fails_fails_the_bucket_permission_check(
    monkeypatch: pytest.MonkeyPatch, permission: dict[str, Any], stub_error: str | None
) -> None:
    lam = real_client("lambda")
    stubber = Stubber(lam)
    stubber.add_client_error("get_policy", service_error_code="ResourceNotFoundException", http_status_code=404)
    if stub_error:
        stubber.add_client_error("add_permission", service_error_code=stub_error, http_status_code=409)
    else:  # a success, should the call ever get past Python's or boto3's checks of its arguments
        stubber.add_response("add_permission", {"Statement": "{}"})
    stubber.activate()
    use_client(monkeypatch, lam)
    with pytest.raises(CheckFailed, match=r"add_permission\(FunctionName='lab5-thumbnailer', \*\*permission\) failed"):
        security._apply_permission(permission)


def test_a_value_that_does_not_decrypt_fails_the_encryption_check(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CheckFailed, match="does not decrypt with the encryption context"):
        security.check_encrypted_for_function("not base64!")
    monkeypatch.setattr(security.secrets, "decrypt_for_function",
                        raising(client_error("InvalidCiphertextException", "Decrypt")))
    with pytest.raises(CheckFailed, match="does not decrypt with the encryption context"):
        security.check_encrypted_for_function("QUJD")
    monkeypatch.setattr(security.secrets, "decrypt_for_function", raising(RuntimeError("a bug underneath")))
    with pytest.raises(RuntimeError, match="a bug underneath"):
        security.check_encrypted_for_function("QUJD")


def test_a_function_that_cannot_be_read_fails_the_plain_text_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from localaws import sandbox
    from localaws.sandbox import PackageUnavailable

    monkeypatch.setattr(sandbox, "function_code", lambda name: b"")
    for error in (client_error("ResourceNotFoundException", "GetFunctionConfiguration"),
                  PackageUnavailable("Function not found: lab7-order-signer"),
                  EndpointConnectionError(endpoint_url="http://127.0.0.1:9")):
        monkeypatch.setattr(security.secrets, "exposures", raising(error))
        with pytest.raises(CheckFailed, match="Could not read the function 'lab7-order-signer'"):
            security.check_no_plaintext()


def test_a_code_package_that_cannot_be_read_is_not_called_clean(sb, unique) -> None:
    """The check reads the package itself: one it cannot open fails rather than count as free of secrets."""
    from moto.awslambda.models import lambda_backends

    from lambda_course.deploy import deploy_function

    name = f"unreadable-{unique}"
    deploy_function(name, "def handler(event, context):\n    return 1\n")
    account = boto3.client("sts").get_caller_identity()["Account"]
    lambda_backends[account]["us-east-1"].get_function(name).code_bytes = b"not a zip archive"
    with pytest.raises(CheckFailed, match="is not a zip file, so it cannot be checked for secrets"):
        security.check_no_plaintext(name, ["s3cr3t"])


# --- lambda_course/labchecks/etl.py ----------------------------------------------------------------------------------


def test_a_parser_that_raises_the_wrong_error_fails() -> None:
    with pytest.raises(CheckFailed, match="raised KeyError: 'amount'; it should raise ValueError"):
        etl.check_raises_value_error(raising(KeyError("amount")), "id,customer")


def test_a_validator_that_raises_fails_both_record_checks() -> None:
    validate = raising(TypeError("unsupported operand"))
    with pytest.raises(CheckFailed, match="raised TypeError: unsupported operand. A bad record must not stop"):
        etl.check_valid(validate, {"id": "1", "customer": "c", "amount": "5"}, {"id": "1", "customer": "c",
                                                                                "amount": "5"})
    with pytest.raises(CheckFailed, match="raised TypeError"):
        etl.check_invalid(validate, {"id": "1"}, "amount")


@pytest.mark.parametrize(("error", "message"), [
    (client_error("ResourceNotFoundException"), "There is no function 'etl' to run"),
    (client_error("ServiceException"), "Running 'etl' on that upload's event, to see why, failed too"),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "Is the sandbox running?"),
])
def test_an_upload_whose_orders_are_missing_fails_whatever_explaining_it_meets(
    monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    monkeypatch.setattr(etl, "totals", lambda table: {})
    monkeypatch.setattr(etl, "upload", lambda bucket, key, text: None)
    monkeypatch.setattr(etl, "orders", lambda table: {})
    monkeypatch.setattr("lambda_course.deploy.invoke", raising(error))
    with pytest.raises(CheckFailed) as failed:
        etl.check_upload("uploads", "day1.csv", "id,customer,amount\n1,c,5\n", function_name="etl",
                         orders_table="orders", totals_table="totals", stored={"1": ("c", "5")})
    assert "these orders are not in the table: 1" in str(failed.value) and message in str(failed.value)


# --- lambda_course/labchecks/timememory.py ---------------------------------------------------------------------------


def test_a_batch_handler_that_raises_fails_the_local_check() -> None:
    with pytest.raises(CheckFailed, match="Your handler raised RuntimeError: no table"):
        timememory.check_stops_in_time(raising(RuntimeError("no table")))


def test_a_failed_invoke_fails_the_job_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timememory, "_check_timeout_setting", lambda name: 2)
    monkeypatch.setattr("lambda_course.deploy.invoke", raising(client_error("ServiceException")))
    with pytest.raises(CheckFailed, match="Invoking 'batch-job' failed: ClientError"):
        timememory.check_job_finishes("batch-job")


# --- lambda_course/chapters/widgets.py -------------------------------------------------------------------------------


def test_a_matcher_that_fails_is_shown_and_never_taken_for_a_match() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from lambda_course.chapters import widgets

    tester = widgets.PatternTester(raising(TypeError("'>' not supported")), {"source": ["shop"]}, {"source": "shop"})
    assert tester.update() is None
    assert "TypeError: &#x27;&gt;&#x27; not supported" in tester.result.value
    assert "green" not in tester.result.value and "No match" not in tester.result.value


# --- lambda_course/architecture/hybrid.py ----------------------------------------------------------------------------


def test_a_listener_or_subnet_that_does_not_exist_gives_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_course.architecture import hybrid

    elb, ec2 = real_client("elbv2"), real_client("ec2")
    with Stubber(elb) as stubber:
        stubber.add_client_error("describe_listeners", service_error_code="ListenerNotFound", http_status_code=400)
        use_client(monkeypatch, elb)
        assert hybrid.listener_network("arn:aws:lambda:us-east-1:123456789012:function:f") is None
    with Stubber(ec2) as stubber:
        stubber.add_client_error("describe_subnets", service_error_code="InvalidSubnetID.NotFound",
                                 http_status_code=400)
        use_client(monkeypatch, ec2)
        assert hybrid.subnets_vpc(["subnet-nope"]) == set()
        # A subnet that would be found, were the id that is not a string not refused before any request.
        stubber.add_response("describe_subnets", {"Subnets": [{"SubnetId": "subnet-a", "VpcId": "vpc-a"}]})
        with pytest.raises(ParamValidationError):
            ec2.describe_subnets(SubnetIds=[5])
        assert hybrid.subnets_vpc([5]) == set()  # type: ignore[list-item]


class EveryoneInOneVpc:
    """An ec2 client for which every subnet asked about, or all of them when none is named, is in vpc-lb."""

    def describe_subnets(self, SubnetIds: list[str]) -> dict[str, Any]:  # noqa: N803 (boto3's parameter name)
        return {"Subnets": [{"SubnetId": "subnet-a", "VpcId": "vpc-lb"}]}


def test_a_cluster_with_no_subnets_is_not_in_the_load_balancers_vpc(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_course.architecture import hybrid

    monkeypatch.setattr(hybrid, "route_for", lambda api_id, path, method: hybrid.RouteTarget(
        "GET /orders", "HTTP_PROXY", "arn:listener", "VPC_LINK", "link-1"))
    monkeypatch.setattr(hybrid, "listener_network", lambda arn: ("vpc-lb", ("subnet-a",)))
    use_client(monkeypatch, EveryoneInOneVpc())
    assert hybrid.subnets_vpc([]) == set()
    cluster = {"name": "shop", "resourcesVpcConfig": {"subnetIds": []}}
    with pytest.raises(CheckFailed, match="The cluster 'shop' is not in the load balancer's VPC"):
        architecture_checks._check_cluster_behind_route(cluster, "api-1", "/orders", "GET")
